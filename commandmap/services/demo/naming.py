"""Chinese names for the demo city's people, roads and businesses.

All synthetic (data/demo/names.json holds the parts): any likeness to a real
person or business is chance. Road names are a pure function of a key so the
same street keeps its name however the generator walks the city.
"""

from __future__ import annotations

import hashlib

import numpy as np

from . import sources

ROAD_SUFFIX = {
    # road class code (routing ROAD_CLASSES order) -> suffixes to pick from
    2: ("路", "大道", "路", "路"),          # primary
    3: ("路", "路", "街"),                  # secondary
    4: ("路", "街", "路"),                  # tertiary
    5: ("街", "巷", "路", "弄", "街"),      # residential
}


def _h(*parts: object) -> int:
    digest = hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def road_name(seed: int, key: tuple[int, ...], road_class: int, side: int) -> str:
    """Deterministic street name for a road-line key.

    `side` is -1/0/+1: which side of the city centre the stretch lies on (west/
    south, middle, east/north) for the 东/西/南/北 of big roads; `key[0]` is the
    orientation (0 = east-west, 1 = north-south).
    """
    stems: list[str] = sources.names()["road_stems"]
    h = _h(seed, "road", key)
    stem = stems[h % len(stems)]
    suffixes = ROAD_SUFFIX.get(road_class, ("路",))
    suffix = suffixes[(h >> 20) % len(suffixes)]
    if stem.endswith(("路", "大道")):
        return stem
    if road_class <= 3 and suffix == "路" and side != 0:
        direction = ("西", "东")[side > 0] if key[0] == 0 else ("南", "北")[side > 0]
        return f"{stem}{direction}路"
    return f"{stem}{suffix}"


class PersonNames:
    """Surname (weighted by how common it is in Zhejiang) + one or two given-name characters."""

    def __init__(self) -> None:
        doc = sources.names()
        self._surnames = list(doc["surnames"].keys())
        w = np.array(list(doc["surnames"].values()), dtype=float)
        self._p = w / w.sum()
        self._given = doc["given_chars"]

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        sur = rng.choice(len(self._surnames), size=n, p=self._p)
        two = rng.random(n) < 0.72
        g1 = rng.integers(0, len(self._given), n)
        g2 = rng.integers(0, len(self._given), n)
        out = []
        for s, t, a, b in zip(sur.tolist(), two.tolist(), g1.tolist(), g2.tolist(), strict=True):
            given = self._given[a] + (self._given[b] if t and b != a else "")
            out.append(self._surnames[s] + given)
        return out

    def surnames(self, rng: np.random.Generator, n: int) -> list[str]:
        return [self._surnames[i] for i in rng.choice(len(self._surnames), size=n, p=self._p).tolist()]


class SiteNames:
    """Business names such as 王记餐馆, 鑫盛建筑工地, 中国石化北仑加油站."""

    def __init__(self) -> None:
        doc = sources.names()
        self._nouns: dict[str, dict] = doc["site_nouns"]
        self._brands: list[str] = doc["brand_words"]
        self._petrol: list[str] = doc["petrol_brands"]
        self._people = PersonNames()

    def make(self, rng: np.random.Generator, category_code: str, place: str, road: str) -> str:
        spec = self._nouns.get(category_code, {"nouns": ["经营户"], "style": "brand"})
        noun = spec["nouns"][int(rng.integers(len(spec["nouns"])))]
        style = spec.get("style", "brand")
        if style == "mixed":
            style = ("surname", "brand", "road")[int(rng.integers(3))]
        if style == "surname":
            return f"{self._people.surnames(rng, 1)[0]}记{noun}"
        if style == "petrol":
            return f"{self._petrol[int(rng.integers(len(self._petrol)))]}{place}{road[:2]}{noun}"
        if style == "place":
            return f"{place}{road[:2]}{noun}"
        if style == "road":
            return f"{road[:2]}{noun}"
        return f"{self._brands[int(rng.integers(len(self._brands)))]}{noun}"


def short_place(town_name: str) -> str:
    """南门街道 -> 南门, 集士港镇 -> 集士港, 龙观乡 -> 龙观."""
    for suffix in ("街道", "镇", "乡"):
        if town_name.endswith(suffix) and len(town_name) > len(suffix):
            return town_name[: -len(suffix)]
    return town_name
