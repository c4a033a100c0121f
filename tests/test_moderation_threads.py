"""Prompt screening runs in gunicorn's threads (gthread): its shared helpers must not mix up
two requests' words."""

import threading

from generation.moderation import normalise

WORDS = ["beheaded", "generously", "relational", "hopefulness", "conditional", "nationalism"]


def test_each_thread_stems_with_its_own_stemmer():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(normalise._stemmer()))
    thread.start()
    thread.join()
    assert seen[0] is not normalise._stemmer()


def test_threads_stemming_at_once_get_the_stems_one_thread_gets():
    expected = {word: normalise.stem(word) for word in WORDS}
    wrong = []
    start = threading.Barrier(8)

    def stem_many():
        start.wait()
        for _ in range(3000):
            for word in WORDS:
                try:
                    result = normalise.stem(word)
                except IndexError as exc:  # what a shared stemmer raised under load
                    wrong.append(repr(exc))
                    return
                if result != expected[word]:
                    wrong.append((word, result))

    threads = [threading.Thread(target=stem_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
