"""Where labelled corpora come from: the shared ones beside the repository, else the samples."""

from drive_tagger.services.corpora import samples_labelled_corpus, shared_data_dir, tuning_corpus
from drive_tagger.services.evaluate import read_labelled_corpus


def test_samples_become_a_labelled_corpus_of_all_75_documents(tmp_path):
    corpus = read_labelled_corpus(samples_labelled_corpus(tmp_path))
    assert len(corpus.documents) == 75 and len(set(corpus.labels)) == 8


def test_tuning_falls_back_to_the_samples_when_the_shared_corpus_is_missing(tmp_path):
    path = tuning_corpus(tmp_path / "work", shared_dir=tmp_path / "no-shared")
    assert path.parent == tmp_path / "work" and len(read_labelled_corpus(path).documents) == 75


def test_tuning_uses_the_shared_corpus_when_it_is_there(tmp_path):
    (tmp_path / "bbc_news.jsonl.gz").write_bytes(b"")
    assert tuning_corpus(tmp_path / "work", shared_dir=tmp_path) == tmp_path / "bbc_news.jsonl.gz"


def test_shared_data_sits_beside_the_repository():
    assert shared_data_dir().parts[-2:] == ("shared", "data")
