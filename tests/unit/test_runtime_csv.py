"""CSV input: the happy path and one coded diagnostic per way the file can be wrong."""

from __future__ import annotations

import pytest

from qlang.diagnostics import QLangError
from qlang.ir.model import Call
from qlang.train.data import load_dataset, read_csv


def write(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reads_features_and_label(tmp_path):
    p = write(tmp_path, "a,b,y\n" + "".join(f"{i},{2 * i},{i % 2}\n" for i in range(8)))
    X, y, names = read_csv(p, "y")
    assert X.shape == (8, 2) and names == ("a", "b") and y.tolist() == [0, 1] * 4
    d = load_dataset(Call("csv", (str(p),), (("label", "y"), ("test", 0.25))))
    assert d.X_train.shape == (6, 2) and d.kind == "classification"


def test_relative_path_resolves_against_the_model_folder(tmp_path):
    write(tmp_path, "a,y\n1,0.5\n2,0.7\n3,0.1\n4,0.3\n")
    d = load_dataset(Call("csv", ("d.csv",), (("label", "y"),)), base_dir=tmp_path)
    assert d.kind == "regression"


@pytest.mark.parametrize(
    "text, label, code, words",
    [
        (None, "y", "QL0403", "not found"),
        ("", "y", "QL0404", "no data rows"),
        ("a,b,y\n", "y", "QL0404", "no data rows"),
        ("a,b,z\n1,2,3\n", "y", "QL0405", "label column `y`"),
        ("a,b,y\n1,,0\n", "y", "QL0406", "row 2, column 2"),
        ("a,b,y\n1,nan,0\n", "y", "QL0406", "not a finite number"),
        ("a,b,y\n1,x,0\n", "y", "QL0406", "row 2, column 2 of"),
        ("a,b,y\n1,2,0\n1,2\n", "y", "QL0407", "row 3"),
    ],
)
def test_bad_files_get_coded_errors(tmp_path, text, label, code, words):
    p = tmp_path / "d.csv" if text is None else write(tmp_path, text)
    with pytest.raises(QLangError) as err:
        read_csv(p, label)
    assert err.value.codes == [code]
    assert words in str(err.value)


def test_wrong_width_against_the_model(tmp_path):
    p = write(tmp_path, "a,b,c\n1,2,3\n")
    with pytest.raises(QLangError) as err:
        read_csv(p, None, expect_features=2)
    assert err.value.codes == ["QL0408"]


def test_errors_never_quote_the_data_file(tmp_path):
    """Diagnostics name rows and columns by number: no header names, no cell values."""
    for text, label in (("secret_a,label\n1,0\n", "lable"), ("a,y\n1,hunter2,0\n", "y")):
        p = write(tmp_path, text)
        with pytest.raises(QLangError) as err:
            read_csv(p, label)
        assert "secret_a" not in str(err.value) and "hunter2" not in str(err.value)


def test_arbitrary_class_labels_are_encoded_and_remembered(tmp_path):
    p = write(tmp_path, "a,y\n" + "".join(f"{i},{(-1) ** i}\n" for i in range(8)))
    d = load_dataset(Call("csv", (str(p),), (("label", "y"),)))
    assert d.classes == (0, 1) and d.labels == (-1, 1)
    assert set(d.y_train.tolist()) == {0, 1}
