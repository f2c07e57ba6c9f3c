"""Which dtype the light runtime multiplies in (``runtime.matmul_dtype``), and the setting."""

from __future__ import annotations

import pytest
import torch

from corpusqa.answers.verifier import runtime
from corpusqa.settings import Settings

FLAGS = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f {extra}\nbogomips\t: 4000\n"


def test_native_bf16_is_read_from_the_cpu_flags():
    assert runtime.cpu_has_bf16(FLAGS.format(extra="avx512_bf16"))
    assert runtime.cpu_has_bf16(FLAGS.format(extra="amx_bf16 amx_tile"))
    assert not runtime.cpu_has_bf16(FLAGS.format(extra="avx512_vnni"))
    assert not runtime.cpu_has_bf16("")


@pytest.mark.parametrize("native", [True, False])
def test_auto_is_bf16_only_on_a_cpu_that_has_it(monkeypatch, native):
    monkeypatch.setattr(runtime, "cpu_has_bf16", lambda cpuinfo=None: native)
    assert runtime.matmul_dtype("auto", "cpu") == (torch.bfloat16 if native else torch.float32)
    assert runtime.matmul_dtype("auto", "cuda") == torch.float32  # the GPU path stays float32
    assert runtime.matmul_dtype("fp32", "cpu") == torch.float32
    assert runtime.matmul_dtype("bf16", "cpu") == torch.bfloat16  # forced, even emulated
    assert runtime.matmul_dtype("int8", "cpu") == torch.qint8  # never chosen by auto
    assert runtime.matmul_dtype("int8", "cuda") == torch.float32  # int8 is a CPU path


def test_int8_packing_keeps_one_scale_per_output_row():
    """A row of small weights next to a row of large ones keeps its own resolution."""
    w = torch.tensor([[0.001, -0.002, 0.0005], [10.0, -20.0, 5.0]])
    b = torch.tensor([0.5, -1.0])
    packed = runtime._prepack_int8(w, b)
    x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25]])
    got = torch.ops.quantized.linear_dynamic(x, packed, False)
    want = torch.nn.functional.linear(x, w, b)
    assert torch.allclose(got, want, rtol=0.02, atol=2e-3), (got, want)


def test_an_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision"):
        runtime.matmul_dtype("fp8", "cpu")


def test_precision_setting_from_the_environment_and_the_cli(tmp_path):
    assert Settings.from_env({}).precision == "auto"
    assert Settings.from_env({"CORPUSQA_PRECISION": "FP32"}).precision == "fp32"
    from click.testing import CliRunner

    from corpusqa.cli import cli

    bad = CliRunner().invoke(cli, ["--home", str(tmp_path), "--precision", "fp8", "ask", "问"])
    assert bad.exit_code == 2 and "fp8" in bad.output
