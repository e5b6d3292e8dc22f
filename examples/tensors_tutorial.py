"""Tensors, in the style of PyTorch's "Tensors" tutorial: making them, their attributes, moving
them to the available device, indexing, joining, arithmetic (with ``out=``), in-place ops and the
NumPy bridge. A plain PyTorch program: ``python examples/tensors_tutorial.py`` runs it on torch,
``python -m minigrad.torch_alias examples/tensors_tutorial.py`` on minigrad, and
``python -m compare run examples/tensors_tutorial.py`` compares the two.
"""
import numpy as np
import torch

torch.manual_seed(0)

# ---- making tensors ---------------------------------------------------------------------------
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
print(f"From data:\n{x_data}\nFrom NumPy:\n{x_np}\n")

x_ones = torch.ones_like(x_data)                    # keeps x_data's shape and dtype
print(f"Ones tensor:\n{x_ones}\n")
x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the dtype
print(f"Random tensor:\n{x_rand}\n")

shape = (2, 3)
print(f"Random:\n{torch.rand(shape)}\nOnes:\n{torch.ones(shape)}\nZeros:\n{torch.zeros(shape)}\n")

# ---- attributes, and the device --------------------------------------------------------------
tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")
tensor = tensor.to(device)
print(f"Device tensor is stored on now: {tensor.device}\n")

# ---- indexing and slicing --------------------------------------------------------------------
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
print(f"Rows 0 and 2 through a range: {tensor[range(0, 4, 2)]}")

# ---- joining ---------------------------------------------------------------------------------
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
joined = torch.empty(8, 4)
torch.cat([tensor, tensor], out=joined)
print(f"cat into out: {joined.shape}\n")

# ---- arithmetic ------------------------------------------------------------------------------
# three ways to a matrix product: y1, y2 and y3 hold the same values
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(f"y1:\n{y1}\nsame in y2 and y3: {torch.equal(y1, y2)} {torch.equal(y1, y3)}")

# three ways to an element-wise product
z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(f"z1:\n{z1}\nsame in z2 and z3: {torch.equal(z1, z2)} {torch.equal(z1, z3)}")

column_sums = torch.zeros(4)
torch.sum(tensor, 0, out=column_sums)
print(f"Column sums: {column_sums}")
scaled = torch.zeros(2)                             # the wrong shape: resized, with a warning
torch.add(tensor, 0.5, out=scaled)
print(f"Resized out: {scaled.shape}")

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

# ---- in-place operations ---------------------------------------------------------------------
print(f"{tensor}\n")
tensor.add_(5)
print(tensor)

# ---- the NumPy bridge: a tensor and its array share memory -----------------------------------
t = torch.ones(5)
n = t.numpy()
t.add_(1)
print(f"t: {t}\nn: {n}")
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}\nn: {n}")
