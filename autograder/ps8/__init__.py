"""ps8 — Attention and the building blocks of large language models"""

# Library calls that would do a question's asked-for work (docs/course.md): the grader reports
# them when they appear in that question's answer cell. The engine matches the last component of
# a dotted name (any attribute use or import, and a bare call of a name the notebook does not
# define), so a student's own `scaled_dot_product_attention`, called bare from the later answers,
# stays allowed while `F.scaled_dot_product_attention` does not. torch's elementary operations
# (softmax, einsum, masked_fill, repeat_interleave, logsigmoid) build answers, and stay allowed.
_ATTENTION = ["torch.nn.functional.scaled_dot_product_attention", "torch.nn.MultiheadAttention",
              "torch.nn.functional.multi_head_attention_forward"]
_RMS_NORM = ["torch.nn.functional.rms_norm", "torch.nn.RMSNorm"]
_PEFT = ["peft", "peft.LoraConfig", "peft.get_peft_model"]
# Autograd would do the whole gradient question. Only `.backward` is listed: the last name of
# `torch.autograd.grad` is `grad`, which students also use for their own variables.
_AUTOGRAD = ["torch.Tensor.backward"]

FORBIDDEN_CALLS = {
    "scaled_dot_product_attention": _ATTENTION,
    "multi_head_attention": _ATTENTION,
    "grouped_query_attention": _ATTENTION,
    "multi_head_latent_attention": _ATTENTION,
    "mla_absorbed_attention": _ATTENTION,
    "rms_norm": _RMS_NORM,
    "lora_forward": _PEFT,
    "lora_merge": _PEFT,
    "dpo_loss_grad": _AUTOGRAD,
}
