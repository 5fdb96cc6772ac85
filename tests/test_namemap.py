"""The import-name map: our table first, then pipreqs' mapping, then a guess."""

from __future__ import annotations

import sys

import pytest
from packaging.utils import canonicalize_name

from jobdeps.analyzer import namemap
from jobdeps.analyzer.namemap import distribution_for_import, parse_pipreqs_mapping, parse_table

# One expected value per entry of jobdeps/analyzer/data/import_names.tsv, written here
# by hand: a typo in the table fails its own case.
OURS = {
    "Bio": "biopython",
    "Crypto": "pycryptodome",
    "MySQLdb": "mysqlclient",
    "OpenSSL": "pyOpenSSL",
    "PIL": "Pillow",
    "absl": "absl-py",
    "accelerate": "accelerate",
    "attr": "attrs",
    "bitsandbytes": "bitsandbytes",
    "bs4": "beautifulsoup4",
    "catboost": "catboost",
    "cv2": "opencv-python",
    "datasets": "datasets",
    "dateutil": "python-dateutil",
    "deepspeed": "deepspeed",
    "diffusers": "diffusers",
    "docx": "python-docx",
    "dotenv": "python-dotenv",
    "einops": "einops",
    "faiss": "faiss-cpu",
    "fitz": "PyMuPDF",
    "flash_attn": "flash-attn",
    "flax": "flax",
    "gensim": "gensim",
    "git": "GitPython",
    "google.api_core": "google-api-core",
    "google.auth": "google-auth",
    "google.cloud.bigquery": "google-cloud-bigquery",
    "google.cloud.storage": "google-cloud-storage",
    "google.protobuf": "protobuf",
    "googleapiclient": "google-api-python-client",
    "grpc": "grpcio",
    "huggingface_hub": "huggingface-hub",
    "hydra": "hydra-core",
    "jax": "jax",
    "jinja2": "Jinja2",
    "jwt": "PyJWT",
    "lightgbm": "lightgbm",
    "lightning": "lightning",
    "lightning_fabric": "lightning-fabric",
    "llama_cpp": "llama-cpp-python",
    "lxml": "lxml",
    "magic": "python-magic",
    "mlflow": "mlflow",
    "mpi4py": "mpi4py",
    "nltk": "nltk",
    "omegaconf": "omegaconf",
    "onnxruntime": "onnxruntime",
    "optax": "optax",
    "peft": "peft",
    "pkg_resources": "setuptools",
    "pptx": "python-pptx",
    "pytorch_lightning": "pytorch-lightning",
    "ruamel.yaml": "ruamel.yaml",
    "safetensors": "safetensors",
    "sentence_transformers": "sentence-transformers",
    "sentencepiece": "sentencepiece",
    "serial": "pyserial",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "spacy": "spacy",
    "tensorflow": "tensorflow",
    "tf_keras": "tf-keras",
    "timm": "timm",
    "tokenizers": "tokenizers",
    "torch": "torch",
    "torchaudio": "torchaudio",
    "torchvision": "torchvision",
    "transformers": "transformers",
    "tritonclient": "tritonclient",
    "trl": "trl",
    "vllm": "vllm",
    "wandb": "wandb",
    "xgboost": "xgboost",
    "yaml": "PyYAML",
    "albumentations": "albumentations",
    "boto3": "boto3",
    "evaluate": "evaluate",
    "fire": "fire",
    "gradio": "gradio",
    "h5py": "h5py",
    "imageio": "imageio",
    "joblib": "joblib",
    "jsonlines": "jsonlines",
    "keras": "keras",
    "librosa": "librosa",
    "matplotlib": "matplotlib",
    "networkx": "networkx",
    "numba": "numba",
    "numpy": "numpy",
    "onnx": "onnx",
    "openai": "openai",
    "orjson": "orjson",
    "pandas": "pandas",
    "plotly": "plotly",
    "polars": "polars",
    "psutil": "psutil",
    "pyarrow": "pyarrow",
    "pydantic": "pydantic",
    "regex": "regex",
    "requests": "requests",
    "scipy": "scipy",
    "seaborn": "seaborn",
    "soundfile": "soundfile",
    "streamlit": "streamlit",
    "sympy": "sympy",
    "tabulate": "tabulate",
    "tensorboard": "tensorboard",
    "termcolor": "termcolor",
    "tiktoken": "tiktoken",
    "tqdm": "tqdm",
    "triton": "triton",
    "ujson": "ujson",
    "xformers": "xformers",
}


@pytest.mark.parametrize(("import_name", "dist"), sorted(OURS.items()))
def test_our_table_entry(import_name: str, dist: str) -> None:
    assert distribution_for_import(import_name) == (dist, "jobdeps")


def test_table_has_exactly_the_tested_entries() -> None:
    table = parse_table(namemap.DATA_FILE.read_text(encoding="utf-8"))
    assert sorted(table) == sorted(OURS)


def test_table_values_are_valid_project_names() -> None:
    for value in parse_table(namemap.DATA_FILE.read_text(encoding="utf-8")).values():
        assert canonicalize_name(value, validate=True)


@pytest.mark.parametrize(
    ("dotted", "dist"),
    [
        ("google.cloud.storage.blob", "google-cloud-storage"),  # longest prefix wins
        ("google.protobuf.message", "protobuf"),
        ("sklearn.linear_model", "scikit-learn"),
        ("ruamel.yaml.comments", "ruamel.yaml"),
    ],
)
def test_dotted_names_use_longest_prefix(dotted: str, dist: str) -> None:
    assert distribution_for_import(dotted) == (dist, "jobdeps")


@pytest.mark.parametrize(
    ("dotted", "guess"),
    [
        ("google.cloud.pubsub_v1", "google-cloud-pubsub_v1"),
        ("google.genai", "google-genai"),
        ("azure.storage", "azure-storage"),
        ("google", "google"),
    ],
)
def test_namespace_guesses_ignore_pipreqs(dotted: str, guess: str) -> None:
    # pipreqs maps every `google` import to protobuf; for a namespace that is wrong
    assert distribution_for_import(dotted) == (guess, "guessed")


@pytest.mark.parametrize(
    ("import_name", "dist"),
    [("zmq", "pyzmq"), ("dns", "dnspython"), ("gflags", "python_gflags"), ("BioSQL", "biopython")],
)
def test_pipreqs_fallback(import_name: str, dist: str) -> None:
    assert distribution_for_import(import_name) == (dist, "pipreqs")


def test_unknown_name_is_guessed() -> None:
    assert distribution_for_import("zz_not_a_known_module.sub") == (
        "zz_not_a_known_module",
        "guessed",
    )


def test_pipreqs_is_read_not_imported() -> None:
    namemap.pipreqs_table.cache_clear()
    before = set(sys.modules)
    assert namemap.pipreqs_table()  # the data file was found and read
    assert "pipreqs.pipreqs" not in set(sys.modules) - before
    assert "pipreqs" not in set(sys.modules) - before


def test_missing_pipreqs_mapping_falls_back_to_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(namemap, "pipreqs_mapping_path", lambda: None)
    namemap.pipreqs_table.cache_clear()
    try:
        assert distribution_for_import("zmq") == ("zmq", "guessed")
    finally:
        namemap.pipreqs_table.cache_clear()


def test_parsers_skip_junk() -> None:
    assert parse_table("# c\n\nfoo\tbar\nnotab\n\tempty\n") == {"foo": "bar"}
    assert parse_pipreqs_mapping("a:b\na:c\nbad\n:x\n") == {"a": "b"}
