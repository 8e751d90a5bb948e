"""The login dialog a workstation shows before its window opens, once the store has accounts with passwords.

Keyboard first: the cursor starts in the first empty field, Enter logs in, Esc
quits. The check is the users service's (`services.users.login`): it audits
every attempt and locks the account after `MAX_FAILURES` wrong passwords in a
row, so this dialog only says what happened. A wrong name and a wrong password
get the same answer, as in the service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from ..errors import UserError
from ..services.users import MAX_FAILURES, LoginFailed

Login = Callable[[str, str], Any]      # (user name, password) -> Actor; raises LoginFailed


class LoginDialog(QDialog):
    """Ask for a name and password until `login` accepts them (`actor` is then set) or the user quits."""

    def __init__(self, login: Login, seat: str, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LoginDialog")
        self._login = login
        self._seat = seat
        self.actor: Any = None
        self.failures = 0
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.user_edit = QLineEdit(username)
        self.user_edit.setObjectName("LoginUser")
        self.user_edit.setMaxLength(64)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("LoginPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("LoginMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#e03030;font-weight:bold")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.quit_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setDefault(True)            # Enter in either field logs in
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)  # Esc quits too (QDialog's own key)
        self.form = QFormLayout()
        self.form.addRow("", self.user_edit)
        self.form.addRow("", self.password_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def first_field(self) -> QLineEdit:
        """Where the cursor starts: the name, or the password when the name is given."""
        return self.password_edit if self.user_edit.text() else self.user_edit

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.first_field().setFocus()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("CommandMap · log in"))
        self.heading.setText(self.tr("Log in to seat {seat}").format(seat=self._seat))
        label_user = self.form.labelForField(self.user_edit)
        label_password = self.form.labelForField(self.password_edit)
        if isinstance(label_user, QLabel):
            label_user.setText(self.tr("&User name"))
            label_user.setBuddy(self.user_edit)
        if isinstance(label_password, QLabel):
            label_password.setText(self.tr("&Password"))
            label_password.setBuddy(self.password_edit)
        self.ok_button.setText(self.tr("Log in"))
        self.quit_button.setText(self.tr("Quit"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def submit(self) -> None:
        """Try the typed name and password (Enter, or the Log in button)."""
        user = self.user_edit.text().strip()
        if not user:
            self.message.setText(self.tr("Enter your user name."))
            self.user_edit.setFocus()
            return
        try:
            actor = self._login(user, self.password_edit.text())
        except LoginFailed as exc:
            self.failures += 1
            self.message.setText(self._failure_text(exc))
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        except UserError as exc:       # e.g. the store went away: say so, stay open
            self.message.setText(str(exc))
            return
        self.actor = actor
        self.accept()

    def _failure_text(self, exc: LoginFailed) -> str:
        if exc.locked:
            return self.tr("This account is locked after repeated failed logins: ask an administrator to unlock it.")
        return self.tr("Wrong user name or password. After {n} wrong passwords in a row the account is locked.").format(
            n=MAX_FAILURES)


def ask_login(login: Login, seat: str, username: str = "", parent: QWidget | None = None) -> Any:
    """The logged-in Actor, or None when the user quit."""
    dialog = LoginDialog(login, seat, username, parent)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
