"""The login dialog: Enter logs in, Esc quits, a wrong password says so and is audited; the app asks for a
login before its window opens once the store has passwords, and the demo store still opens without one."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from commandmap.app import LoginCancelled, open_main_window, run_app
from commandmap.domain.access import Actor, Role
from commandmap.services.users import MAX_FAILURES, add_user, login
from commandmap.store.migrate import open_store
from commandmap.store.schema import audit_event
from commandmap.ui.language import apply_language
from commandmap.ui.login_dialog import LoginDialog

from .conftest import app_args


@pytest.fixture(autouse=True)
def _english(qapp) -> None:  # type: ignore[no-untyped-def]
    apply_language(qapp, "en")

ADMIN = Actor("root", Role.ADMINISTRATOR)
SECRET = "a long enough secret"


@pytest.fixture
def store_with_logins(mini_store: str) -> str:
    engine = open_store(mini_store)
    try:
        add_user(engine, "zhang", "dispatcher", SECRET, actor=ADMIN)
    finally:
        engine.dispose()
    return mini_store


def _audit(url: str, action: str) -> list:  # type: ignore[type-arg]
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(audit_event).where(audit_event.c.action == action)
                                .order_by(audit_event.c.id)).all()
    finally:
        engine.dispose()


def test_enter_logs_in_and_a_wrong_password_says_so_and_is_audited(qtbot, store_with_logins) -> None:
    engine = open_store(store_with_logins)
    try:
        dialog = LoginDialog(lambda u, p: login(engine, u, p, seat="seat-9"), "seat-9")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.focusWidget() is dialog.user_edit
        qtbot.keyClicks(dialog.user_edit, "zhang")
        qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Tab)
        qtbot.keyClicks(dialog.password_edit, "not the password")
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        assert dialog.isVisible() and dialog.actor is None
        assert dialog.message.text().startswith("Wrong user name or password")
        assert dialog.password_edit.text() == "" and dialog.focusWidget() is dialog.password_edit
        failed = _audit(store_with_logins, "login.failed")
        assert failed[-1].actor == "zhang@seat-9" and failed[-1].detail["why"] == "wrong password"
        qtbot.keyClicks(dialog.password_edit, SECRET)
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        assert dialog.result() == LoginDialog.DialogCode.Accepted
        assert dialog.actor == Actor("zhang", Role.DISPATCHER, "seat-9")
        assert _audit(store_with_logins, "login")[-1].actor == "zhang@seat-9"
    finally:
        engine.dispose()


def test_repeated_failures_lock_the_account_and_the_dialog_says_so(qtbot, store_with_logins) -> None:
    engine = open_store(store_with_logins)
    try:
        dialog = LoginDialog(lambda u, p: login(engine, u, p, seat="s"), "s", username="zhang")
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.focusWidget() is dialog.password_edit      # the name is filled in: the cursor waits in the password
        for _ in range(MAX_FAILURES):
            qtbot.keyClicks(dialog.password_edit, "wrong")
            qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        qtbot.keyClicks(dialog.password_edit, SECRET)     # too late: locked
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        assert dialog.actor is None and "locked" in dialog.message.text()
        assert _audit(store_with_logins, "user.lock")
    finally:
        engine.dispose()


def test_empty_name_is_asked_for_and_esc_quits(qtbot, store_with_logins) -> None:
    calls: list[str] = []
    dialog = LoginDialog(lambda u, p: calls.append(u), "s")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Return)
    assert dialog.message.text() == "Enter your user name." and not calls
    qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Escape)
    assert dialog.result() == LoginDialog.DialogCode.Rejected and dialog.actor is None


def _answer_login_dialog(user: str, password: str | None) -> list[bool]:
    """Fill the login dialog once it is up (it runs its own event loop): None presses Esc."""
    seen: list[bool] = []

    def poke() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(50, poke)
            return
        dialog = dialogs[0]
        seen.append(True)
        if password is None:
            dialog.reject()
            return
        dialog.user_edit.setText(user)
        dialog.password_edit.setText(password)
        dialog.ok_button.click()

    QTimer.singleShot(50, poke)
    return seen


def test_the_app_asks_for_a_login_before_its_window_opens(qtbot, store_with_logins) -> None:
    seen = _answer_login_dialog("zhang", SECRET)
    window = open_main_window(app_args(store_with_logins, lang="en"))
    qtbot.addWidget(window)
    try:
        assert seen and window.ctx.workbench.actor == Actor("zhang", Role.DISPATCHER, "test-seat")
        assert "zhang (dispatcher)" in window.status_seat.text()
        assert window.audit_status is None       # a dispatcher does not see the audit chain's state
    finally:
        window.close()


def test_quitting_the_login_dialog_ends_the_app_quietly(qtbot, store_with_logins) -> None:
    seen = _answer_login_dialog("", None)
    with pytest.raises(LoginCancelled):
        open_main_window(app_args(store_with_logins))
    assert seen
    _answer_login_dialog("", None)
    assert run_app(app_args(store_with_logins)) == 1


def test_the_demo_store_opens_without_a_prompt_as_its_commander(qtbot, mini_store) -> None:
    window = open_main_window(app_args(mini_store, lang="en"))     # a dialog here would block the test
    qtbot.addWidget(window)
    try:
        actor = window.ctx.workbench.actor
        assert (actor.user, actor.role) == ("commander", Role.COMMANDER)
        assert "commander (commander)" in window.status_seat.text()
        last = _audit(mini_store, "login")[-1]
        assert last.actor == "commander@test-seat" and "open store" in last.detail["how"]
    finally:
        window.close()
