"""What a refresh changed is one record: stored as JSON with its run and read back the same."""

import json

from drive_tagger.core.changes import CorrectionNote, RefreshChanges


def _changes() -> RefreshChanges:
    return RefreshChanges(
        kept=(1, 2),
        new=(9,),
        retired=(3, 4, 5),
        splits={3: (7, 8)},
        merges={6: (4, 5)},
        corrections=(CorrectionNote(11, "merge", True), CorrectionNote(12, "move", False, undone=True)),
        remade_under_rules=10,
    )


def test_changes_stored_as_json_read_back_as_the_same_record():
    stored = json.loads(json.dumps(_changes().to_json()))  # as refresh_runs.changes keeps it
    assert RefreshChanges.from_json(stored) == _changes()


def test_a_run_that_recorded_nothing_reads_as_no_change():
    assert RefreshChanges.from_json(None) == RefreshChanges() == RefreshChanges.from_json({})


def test_filters_a_split_or_merge_made_or_ended_are_told_apart_from_new_and_gone_ones():
    changes = _changes()
    assert changes.made == {6, 7, 8} and changes.unmade == {3, 4, 5}
    assert set(changes.new) - changes.made == {9} and set(changes.retired) - changes.unmade == set()
