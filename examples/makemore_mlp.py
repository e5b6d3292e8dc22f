"""makemore, MLP edition: a character-level language model of names, as in the makemore lectures
(part 2: the MLP of Bengio et al. 2003; part 3: BatchNorm and hand-written layers).

Three characters of context are embedded with a lookup table C, go through
Linear -> BatchNorm1d -> tanh twice, and a last Linear + BatchNorm gives the logits of the next
character. Layers are written by hand from tensor ops; BatchNorm keeps running statistics under
no_grad for sampling. Training is plain SGD on mini-batches (``p.data += -lr * p.grad``), then ten
names are sampled with torch.multinomial from a seeded Generator.

Runs unmodified on PyTorch; ``python -m compare run examples/makemore_mlp.py`` runs it on both
libraries and diffs the output (losses to float32 closeness, sampled names identical).
"""
import random
import string

import torch
import torch.nn.functional as F

WORDS = """emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily
elizabeth mila ella avery sofia camila aria scarlett victoria madison luna grace chloe penelope
layla riley zoey nora lily eleanor hannah lillian addison aubrey ellie stella natalie zoe leah
hazel violet aurora savannah audrey brooklyn bella claire skylar lucy paisley everly anna caroline
nova genesis emilia kennedy samantha maya willow kinsley naomi aaliyah elena sarah ariana allison
gabriella alice madelyn cora ruby eva serenity autumn adeline hailey gianna valentina isla eliana
quinn nevaeh ivy sadie piper lydia alexa josephine emery julia delilah arianna vivian kaylee
sophie brielle madeline james oliver lucas mason ethan jacob xavier""".split()

# ---- the data: every (3 characters of context -> next character) pair --------------------------
chars = list(string.ascii_lowercase)
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)
block_size = 3            # context length: how many characters predict the next one


def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, X.dtype, Y.shape, Y.dtype)
    return X, Y


random.seed(42)
words = list(WORDS)
random.shuffle(words)
n1 = int(0.8 * len(words))
n2 = int(0.9 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])


# ---- layers written by hand ----------------------------------------------------------------------
class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = torch.randn((fan_in, fan_out), generator=g) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # parameters (trained with backprop)
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        # buffers (trained with a running 'momentum update')
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)    # batch mean
            xvar = x.var(0, keepdim=True)      # batch variance
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)   # normalize to unit variance
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


n_embd = 10      # the dimensionality of the character embedding vectors
n_hidden = 64    # the number of neurons in the hidden layers of the MLP
g = torch.Generator().manual_seed(2147483647)

C = torch.randn((vocab_size, n_embd), generator=g)
layers = [
    Linear(n_embd * block_size, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, vocab_size, bias=False), BatchNorm1d(vocab_size),
]
with torch.no_grad():
    layers[-1].gamma *= 0.1           # make the last layer less confident
    for layer in layers[:-1]:
        if isinstance(layer, Linear):
            layer.weight *= 5 / 3     # the tanh gain

parameters = [C] + [p for layer in layers for p in layer.parameters()]
print(sum(p.nelement() for p in parameters))   # number of parameters in total
for p in parameters:
    p.requires_grad = True

# ---- training: SGD on mini-batches ----------------------------------------------------------
max_steps = 300
batch_size = 32
lossi = []
for i in range(max_steps):
    ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
    Xb, Yb = Xtr[ix], Ytr[ix]

    emb = C[Xb]                          # embed the characters into vectors
    x = emb.view(emb.shape[0], -1)       # concatenate the vectors
    for layer in layers:
        x = layer(x)
    loss = F.cross_entropy(x, Yb)

    for layer in layers:
        layer.out.retain_grad()
    for p in parameters:
        p.grad = None
    loss.backward()

    lr = 0.1 if i < 200 else 0.01
    for p in parameters:
        p.data += -lr * p.grad

    if i % 50 == 0:
        print(f"{i:7d}/{max_steps:7d}: {loss.item():.4f}")
    lossi.append(loss.log10().item())

print(f"mean log10 loss of the last 100 steps: {torch.tensor(lossi[-100:]).mean().item():.4f}")
for i, layer in enumerate(layers):
    if isinstance(layer, Tanh):
        t = layer.out
        saturated = (t.abs() > 0.97).float().mean() * 100
        print(f"layer {i} (Tanh): mean {t.mean():+.2f}, std {t.std():.2f}, "
              f"saturated: {saturated:.2f}%, grad std {layer.out.grad.std():.4e}")


# ---- evaluation and sampling (BatchNorm on its running statistics) ---------------------------
for layer in layers:
    layer.training = False


@torch.no_grad()
def split_loss(split):
    x, y = {"train": (Xtr, Ytr), "val": (Xdev, Ydev), "test": (Xte, Yte)}[split]
    emb = C[x]
    x = emb.view(emb.shape[0], -1)
    for layer in layers:
        x = layer(x)
    loss = F.cross_entropy(x, y)
    print(split, f"{loss.item():.4f}")


split_loss("train")
split_loss("val")

g = torch.Generator().manual_seed(2147483647 + 10)
for _ in range(10):
    out = []
    context = [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        x = emb.view(emb.shape[0], -1)
        for layer in layers:
            x = layer(x)
        probs = F.softmax(x, dim=1)
        ix = torch.multinomial(probs, num_samples=1, replacement=True, generator=g).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0:
            break
    print("".join(itos[i] for i in out))
