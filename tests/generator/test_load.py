"""Unit tests of generator.load: manifest, cache, corrections and versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from generator_fixtures import SpecFolderFactory, fixture_document

from generator import load
from generator.problems import GeneratorError

RETITLE = """\
description: Give the widget a clearer description.
versions: 1.40-1.40
patch:
  - op: replace
    path: /definitions/Widget/description
    value: Corrected widget text.
    reason: The fixture's text is deliberately awkward.
  - op: add
    path: /definitions/Owner/properties/Name
    value: {type: string}
    reason: Owners have names on the wire.
"""

NO_REASON = """\
description: The second operation lacks its reason.
versions: 1.40-1.40
patch:
  - op: remove
    path: /definitions/Owner/description
    reason: Not needed.
  - op: remove
    path: /definitions/Part/properties/Kind
"""

WRONG_POINTER = """\
description: The second operation names a missing definition.
versions: 1.40-1.41
patch:
  - op: remove
    path: /definitions/Owner/description
    reason: Not needed.
  - op: replace
    path: /definitions/Gizmo/description
    value: nothing
    reason: There is no Gizmo in the fixture.
"""

DERIVE = """\
description: v1.24 lacks the Ok field of Ping.
versions: 1.24
patch:
  - op: remove
    path: /definitions/Ping/properties/Ok
    reason: The field appeared in the next version.
"""


def test_correction_applies(spec_folder: SpecFolderFactory) -> None:
    folder = spec_folder(corrections={"retitle.yaml": RETITLE})
    spec = folder.load("1.40")
    widget = spec.document["definitions"]["Widget"]
    assert widget["description"] == "Corrected widget text."
    assert "Name" in spec.document["definitions"]["Owner"]["properties"]
    assert spec.corrections == ["specs/corrections/retitle.yaml"]


def test_correction_outside_range(spec_folder: SpecFolderFactory) -> None:
    folder = spec_folder(corrections={"retitle.yaml": RETITLE})
    spec = folder.load("1.41")
    assert spec.corrections == []


def test_reason_stripped_before_patch(spec_folder: SpecFolderFactory) -> None:
    folder = spec_folder(corrections={"retitle.yaml": RETITLE})
    owner = folder.load("1.40").document["definitions"]["Owner"]
    assert "reason" not in owner["properties"]["Name"]


def test_missing_reason_rejected(spec_folder: SpecFolderFactory) -> None:
    folder = spec_folder(corrections={"no-reason.yaml": NO_REASON})
    with pytest.raises(GeneratorError) as caught:
        load.read_corrections(folder.specs_dir)
    message = str(caught.value)
    assert "specs/corrections/no-reason.yaml" in message
    assert "operation 1" in message
    assert "reason" in message


def test_bad_pointer_named(spec_folder: SpecFolderFactory) -> None:
    folder = spec_folder(corrections={"wrong.yaml": WRONG_POINTER})
    with pytest.raises(GeneratorError) as caught:
        folder.load("1.40")
    message = str(caught.value)
    assert message.startswith("v1.40: ")
    assert "specs/corrections/wrong.yaml" in message
    assert "operation 1" in message
    assert "/definitions/Gizmo/description" in message
    assert "member 'Gizmo' not found." in message
    assert "Fix the pointer" in message
    assert "'Widget'" not in message


def test_bad_versions_field(spec_folder: SpecFolderFactory) -> None:
    text = RETITLE.replace("versions: 1.40-1.40", "versions: latest")
    folder = spec_folder(corrections={"retitle.yaml": text})
    with pytest.raises(GeneratorError, match="invalid 'versions' 'latest'"):
        load.read_corrections(folder.specs_dir)


def test_derived_version(spec_folder: SpecFolderFactory) -> None:
    folder = spec_folder(
        specs={"v1.25.yaml": fixture_document("v1.41.yaml")},
        derive={"v1.24.yaml": DERIVE},
    )
    spec = folder.load("1.24")
    assert spec.source_file == "v1.25.yaml"
    assert spec.document["definitions"]["Ping"]["properties"] == {}
    assert spec.corrections == ["specs/derive/v1.24.yaml"]


def test_cache_sha256_checked(spec_folder: SpecFolderFactory) -> None:
    folder = spec_folder()
    path = folder.cache_dir / "v1.40.yaml"
    path.write_bytes(path.read_bytes() + b"\n# edited\n")
    with pytest.raises(GeneratorError) as caught:
        folder.load("1.40")
    message = str(caught.value)
    assert "sha256 mismatch for v1.40.yaml" in message
    assert str(path) in message


def test_fetch_from_mirror(spec_folder: SpecFolderFactory, tmp_path: Path) -> None:
    folder = spec_folder()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = (folder.cache_dir / "v1.41.yaml").read_bytes()
    (mirror / "v1.41.yaml").write_bytes(data)
    cache = tmp_path / "fresh-cache"
    manifest = load.read_manifest(folder.specs_dir)
    load.fetch(["v1.41.yaml"], manifest, cache, mirror=str(mirror))
    assert (cache / "v1.41.yaml").read_bytes() == data


def test_fetch_rejects_mismatch(spec_folder: SpecFolderFactory, tmp_path: Path) -> None:
    folder = spec_folder()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "v1.41.yaml").write_bytes(b"swagger: '2.0'\n")
    cache = tmp_path / "fresh-cache"
    manifest = load.read_manifest(folder.specs_dir)
    with pytest.raises(GeneratorError) as caught:
        load.fetch(["v1.41.yaml"], manifest, cache, mirror=str(mirror))
    assert "sha256 mismatch for v1.41.yaml" in str(caught.value)
    assert not (cache / "v1.41.yaml").exists()


def test_yaml_error_position() -> None:
    with pytest.raises(GeneratorError) as caught:
        load.parse_yaml(b"swagger: '2.0'\npaths: [\n", "1.40", "v1.40.yaml")
    message = str(caught.value)
    assert message.startswith("v1.40: invalid YAML in v1.40.yaml at line 3")
    assert "restore the pinned copy" in message


def test_response_codes_become_strings() -> None:
    document = load.parse_yaml(b"responses:\n  200: {description: ok}\n", "", "x")
    assert list(document["responses"]) == ["200"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.41", ["1.41"]),
        ("1.45-1.47", ["1.45", "1.46", "1.47"]),
        ("1.47,1.25, 1.41", ["1.25", "1.41", "1.47"]),
        ("1.24-1.25,1.25", ["1.24", "1.25"]),
    ],
)
def test_version_range(text: str, expected: list[str]) -> None:
    assert load.parse_version_range(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1.48", "unknown API version 1.48"),
        ("1.23-1.30", "unknown API version 1.23"),
        ("2.0", "invalid API version '2.0'"),
        ("1.47-1.30", "empty version range '1.47-1.30'"),
    ],
)
def test_version_range_rejected(text: str, fragment: str) -> None:
    with pytest.raises(GeneratorError, match=fragment):
        load.parse_version_range(text)


@pytest.mark.parametrize(
    ("versions", "shown"),
    [("1.40", "1.4"), ("1.47-1.30", "'1.47-1.30'"), ("1.20-1.30", "'1.20-1.30'")],
)
def test_versions_outside_range(
    spec_folder: SpecFolderFactory, versions: str, shown: str
) -> None:
    text = RETITLE.replace("versions: 1.40-1.40", f"versions: {versions}")
    folder = spec_folder(corrections={"retitle.yaml": text})
    with pytest.raises(GeneratorError) as caught:
        load.read_corrections(folder.specs_dir)
    message = str(caught.value)
    assert f"'versions' {shown} is not a range within 1.24-1.47" in message
    assert "write a single version as 1.40-1.40" in message
