"""Write the tagger's shipped training set (generator/data/training.yaml) from the labelled sets in tests/data.

    .venv/bin/python scripts/training_set.py

It holds the seed's labels (tests/data/tagging/labelled.yaml, split ``seed``), the
tuning half of the evaluation corpus (tests/data/eval/labelled.yaml, split ``tuning``)
and the extra training papers (tests/data/eval/extra-labelled.yaml and extra2-labelled.yaml). The test half is
never in it. Run it after the labels change, and commit the result.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "tagging" / "labelled.yaml"
CORPUS = ROOT / "tests" / "data" / "eval" / "labelled.yaml"
EXTRA = [ROOT / "tests" / "data" / "eval" / f"{batch}-labelled.yaml" for batch in ("extra", "extra2")]
OUT = ROOT / "generator" / "data" / "training.yaml"

HEADER = """\
# Labelled papers the tagger's model learns from (generator/classifier.py), besides the
# curator's corrections in the archive. Written by scripts/training_set.py: do not edit.
# Sources: the seed's labels, the tuning half of the evaluation corpus and the extra training
# papers (tests/data/eval/), labelled from the tag descriptions before any tuning. The
# corpus's test half is not here.
"""


def rows() -> list[dict]:
    seed = [p for p in yaml.safe_load(SEED.read_text(encoding="utf-8"))["papers"] if p["split"] == "seed"]
    tuning = [p for p in yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["papers"] if p["split"] == "tuning"] if CORPUS.is_file() else []
    for extra in (path for path in EXTRA if path.is_file()):
        tuning += [p for p in yaml.safe_load(extra.read_text(encoding="utf-8"))["papers"] if p["split"] == "extra"]
    out = [{"title": p["title"], "abstract": p["abstract"], "tags": sorted(p["tags"]), "source": "seed"} for p in seed]
    out += [{"title": p["title"], "abstract": p["abstract"], "tags": sorted(p["tags"]), "source": f"arXiv:{p['id']}"} for p in tuning]
    return sorted(out, key=lambda r: (r["source"] != "seed", r["source"], r["title"]))


def main() -> int:
    papers = rows()
    OUT.write_text(HEADER + yaml.safe_dump({"papers": papers}, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(papers)} papers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
