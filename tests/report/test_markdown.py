from report.markdown import CELL, elided, table, too_wide


def test_cells_are_cut_to_the_limit_and_the_table_fits():
    long = "Dar_update.pdf: line endings converted LF→CRLF in a text-mode transfer"
    out = table(["document", "note"], [["a.pdf", long], ["b|c.pdf", None]])

    assert too_wide(out) == []
    assert f"| {long[:CELL - 1]}… |" in out
    assert "b\\|c.pdf" in out  # a pipe in a value does not open a new column


def test_too_wide_names_a_long_row_and_a_long_cell_and_ignores_other_lines():
    wide_row = "| " + " | ".join(["x" * 30] * 4) + " |"
    wide_cell = "| " + "y" * 41 + " | 1 |"
    text = "\n".join(["# a heading longer than a hundred characters " * 3, wide_row, wide_cell, "| ok | 2 |"])

    assert too_wide(text) == [wide_row, wide_cell]


def test_a_long_name_is_cut_in_the_middle_keeping_its_start_and_the_word_its_end_begins_with():
    name = "IRREGULARES-POR-DARIEN-NOVIEMBRE-2024.pdf"  # 41 characters; SNM's monthly files differ at the end

    assert elided(name, 30) == "IRREGULAR…NOVIEMBRE-2024.pdf"
    assert elided(name, 41) == name and elided("DARIEN-2022.pdf", 20) == "DARIEN-2022.pdf"
    assert all(len(elided(name, w)) <= w for w in range(5, 42))
