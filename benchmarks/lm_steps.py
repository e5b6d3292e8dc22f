"""Two language-model training steps (the suite's W7 and W8), minigrad against torch, one thread:

* gpt:  a 2-layer GPT, 64 wide, 4 heads, vocabulary 64; batch 16 x 32 tokens; token + position
  embeddings, pre-LayerNorm blocks (causal F.scaled_dot_product_attention, GELU MLP), tied
  head; forward, cross_entropy, backward, clip_grad_norm_(1.0), AdamW step;
* lstm: nn.LSTM(32 -> 64) over 20 steps, batch 16, a Linear head and MSE loss; forward,
  backward, SGD step.

Each library runs in a fresh interpreter per round (``--worker``), rounds interleave the two,
and each round reports the median step time of its process; the figure is the median over
rounds::

    python -m benchmarks.lm_steps --rounds 5 [--clock cpu]

(``--clock cpu``: each step's process CPU time instead of wall time, steadier on a shared
machine.)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def gpt_train(T, batch=16, tokens=32, device="cpu"):
    """The GPT's training step as a function returning the loss tensor (set-up done here)."""
    nn, F = T.nn, T.nn.functional
    T.manual_seed(0)
    vocab, width, heads, layers = 64, 64, 4, 2

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.attn, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.fc, self.fc_proj = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

        def forward(self, x):
            B, L, C = x.shape
            q, k, v = self.attn(self.ln_1(x)).split(width, dim=2)
            q, k, v = (t.view(B, L, heads, C // heads).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).contiguous().view(B, L, C))
            return x + self.fc_proj(F.gelu(self.fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab, width), nn.Embedding(tokens, width)
            self.blocks = nn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(width)
            self.head = nn.Linear(width, vocab, bias=False)
            self.wte.weight = self.head.weight

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(T.arange(idx.shape[1], device=idx.device))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

    model = GPT().to(device)
    opt = T.optim.AdamW(model.parameters(), lr=1e-3)
    g = T.Generator().manual_seed(0)
    idx = T.randint(0, vocab, (batch, tokens + 1), generator=g)
    x, y = idx[:, :-1].contiguous().to(device), idx[:, 1:].contiguous().to(device)

    def train():
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, vocab), y.view(-1))
        opt.zero_grad()
        loss.backward()
        T.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss
    return train


def lstm_train(T, batch=16, steps=20, device="cpu"):
    """The LSTM's training step as a function returning the loss tensor (set-up done here)."""
    nn, F = T.nn, T.nn.functional
    T.manual_seed(0)
    lstm, head = nn.LSTM(32, 64).to(device), nn.Linear(64, 1).to(device)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = T.optim.SGD(params, lr=0.01)
    x, target = T.randn(steps, batch, 32).to(device), T.randn(steps, batch, 1).to(device)

    def train():
        out, _ = lstm(x)
        loss = F.mse_loss(head(out), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return train


def gpt_step(T):
    """One GPT training step, its loss read back as a Python float (as a training loop logs)."""
    train = gpt_train(T)
    return lambda: train().item()


def lstm_step(T):
    """One LSTM training step, its loss read back as a Python float."""
    train = lstm_train(T)
    return lambda: train().item()


WORKLOADS = {"gpt": gpt_step, "lstm": lstm_step}


def worker(lib, workload, steps, warmup, clock="wall"):
    """Time ``steps`` steps after ``warmup`` in this process; print the median in ms."""
    import importlib
    T = importlib.import_module(lib)
    if lib == "torch":
        T.set_num_threads(1)
    step = WORKLOADS[workload](T)
    for _ in range(warmup):
        step()
    now = time.process_time if clock == "cpu" else time.perf_counter
    times = []
    for _ in range(steps):
        start = now()
        step()
        times.append(now() - start)
    print(json.dumps({"ms": 1000 * statistics.median(times)}))


def run(rounds, steps, warmup, workloads, clock="wall"):
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    results = {}
    for workload in workloads:
        per_lib = {"torch": [], "minigrad": []}
        for _ in range(rounds):
            for lib in ("torch", "minigrad"):          # interleaved, each in a fresh process
                out = subprocess.run([sys.executable, "-m", __spec__.name, "--worker",
                                      lib, workload, "--steps", str(steps), "--warmup",
                                      str(warmup), "--clock", clock], env=env,
                                     capture_output=True, text=True, check=True)
                per_lib[lib].append(json.loads(out.stdout.strip().splitlines()[-1])["ms"])
        t_ms, m_ms = (statistics.median(per_lib[k]) for k in ("torch", "minigrad"))
        results[workload] = {"torch_ms": t_ms, "minigrad_ms": m_ms, "ratio": m_ms / t_ms,
                             "rounds": per_lib}
        print(f"{workload:5s} torch {t_ms:8.3f} ms   minigrad {m_ms:8.3f} ms   "
              f"ratio {m_ms / t_ms:5.2f}x   (median of {rounds} rounds)")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("LIB", "WORKLOAD"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workloads", default="gpt,lstm")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker, args.steps, args.warmup, args.clock)
        return
    results = run(args.rounds, args.steps, args.warmup, args.workloads.split(","), args.clock)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
