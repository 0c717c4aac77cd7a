from coursegrade import number, points, question
from autograder.ps8 import reference as ref

pytestmark = question("kv_cache_bytes")


def _check(student, kind, n_heads, head_dim, **options):
    got = number(student.kv_cache_bytes(kind, n_heads, head_dim, **options))
    expected = ref.kv_cache_bytes(kind, n_heads, head_dim, **options)
    assert got == expected, (kind, n_heads, head_dim, options, got, expected)


@points(1)
def test_mha_and_mqa(student):
    "MHA and MQA for LLaMA-7B's heads (32 of 128) and two other shapes, in 2 and 4 bytes per number."
    for n_heads, head_dim, size in ((32, 128, 2), (12, 64, 4), (7, 24, 2)):
        _check(student, "mha", n_heads, head_dim, bytes_per_value=size)
        _check(student, "mqa", n_heads, head_dim, bytes_per_value=size)


@points(1)
def test_gqa(student):
    "GQA for LLaMA-2-70B (64 query heads, 8 KV heads of 128), Mistral-7B (32, 8) and another shape."
    for n_heads, head_dim, n_kv, size in ((64, 128, 8, 2), (32, 128, 8, 2), (12, 20, 3, 4)):
        _check(student, "gqa", n_heads, head_dim, n_kv_heads=n_kv, bytes_per_value=size)


@points(1)
def test_mla(student):
    "MLA for DeepSeek-V2 (latent 512, RoPE key 64), without a RoPE key, and another shape."
    _check(student, "mla", 128, 128, d_latent=512, d_rope=64, bytes_per_value=2)
    _check(student, "mla", 24, 40, d_latent=96, d_rope=0, bytes_per_value=4)
    _check(student, "mla", 16, 32, d_latent=72, d_rope=16, bytes_per_value=1)


@points(1)
def test_bytes_per_value(student):
    "Every kind in 1, 2 and 4 bytes per number (8-bit, bf16, fp32), with the default of 2."
    for size in (1, 2, 4):
        _check(student, "mha", 20, 48, bytes_per_value=size)
        _check(student, "mqa", 20, 48, bytes_per_value=size)
        _check(student, "gqa", 20, 48, n_kv_heads=5, bytes_per_value=size)
        _check(student, "mla", 20, 48, d_latent=120, d_rope=24, bytes_per_value=size)
    _check(student, "gqa", 40, 64, n_kv_heads=10)
    _check(student, "mla", 40, 64, d_latent=160, d_rope=32)
