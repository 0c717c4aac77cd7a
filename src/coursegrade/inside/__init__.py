"""The only code that runs inside the sandbox: the zygote, the wire format, seccomp, Landlock,
the warm-up. It imports nothing else of the engine (the sandbox sees only this folder)."""
