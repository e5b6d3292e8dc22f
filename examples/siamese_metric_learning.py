"""Metric learning on scikit-learn's digits: an embedding network trained so that images of the
same digit land close together. Triplets (anchor, positive of the same class, negative of
another) train it with TripletMarginLoss; pairs fine-tune it with CosineEmbeddingLoss. The test
digits are then classified by their nearest training embedding (torch.cdist) and by cosine
similarity to each class's mean embedding (F.cosine_similarity), as a similarity search would.

    python -m compare run examples/siamese_metric_learning.py
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

torch.manual_seed(0)
digits = load_digits()
x = torch.tensor(digits.data / 16.0, dtype=torch.float32)                   # (1797, 64)
y = torch.tensor(digits.target)
train_x, train_y, test_x, test_y = x[:1400], y[:1400], x[1400:], y[1400:]


class EmbeddingNet(nn.Module):
    """64 pixels -> 16-dim embedding; a learned per-dimension scale kept in a ParameterList."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 64), nn.RReLU(0.1, 0.3), nn.Linear(64, 16))
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(16))])

    def forward(self, images):
        return self.body(images) * self.scales[0]


model = EmbeddingNet()
print(model)
print(list(model.state_dict().keys()))
# SGD rather than Adam: the last bias shifts every embedding alike, which no distance sees, so
# its gradient is rounding noise -- Adam would scale that noise up to full-size steps
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
triplet_loss = nn.TripletMarginLoss(margin=1.0, p=2)


def sample_triplets(count):
    """Random anchors, a random image of the same digit and one of another digit."""
    anchors = torch.randint(0, len(train_x), (count,))
    labels = train_y[anchors]
    positives, negatives = [], []
    for label in labels.tolist():
        same = (train_y == label).nonzero().flatten()
        other = (train_y != label).nonzero().flatten()
        positives.append(same[torch.randint(0, len(same), (1,))])
        negatives.append(other[torch.randint(0, len(other), (1,))])
    return anchors, torch.cat(positives), torch.cat(negatives)


for epoch in range(4):
    model.train()
    total = 0.0
    for _step in range(10):
        a, p, n = sample_triplets(64)
        loss = triplet_loss(model(train_x[a]), model(train_x[p]), model(train_x[n]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: triplet loss {total / 10:.4f}")

# fine-tune on pairs: similar pairs (+1) pulled together, dissimilar ones (-1) pushed apart
cosine_loss = nn.CosineEmbeddingLoss(margin=0.2)
for step in range(20):
    first = torch.randint(0, len(train_x), (64,))
    second = torch.randint(0, len(train_x), (64,))
    target = (train_y[first] == train_y[second]).float() * 2 - 1
    loss = cosine_loss(model(train_x[first]), model(train_x[second]), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 5 == 4:
        print(f"pair step {step + 1}: cosine embedding loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    train_emb, test_emb = model(train_x), model(test_x)
    distances = torch.cdist(test_emb, train_emb)                         # (397, 1400)
    nearest = distances.argmin(dim=1)
    knn_accuracy = (train_y[nearest] == test_y).float().mean()
    centroids = torch.stack([train_emb[train_y == c].mean(0) for c in range(10)])
    similarity = F.cosine_similarity(test_emb.unsqueeze(1), centroids.unsqueeze(0), dim=2)
    centroid_accuracy = (similarity.argmax(1) == test_y).float().mean()
    spread = F.pdist(centroids).min()
    same_pair = F.pairwise_distance(test_emb[:5], train_emb[nearest[:5]])
print(f"nearest-neighbour accuracy: {knn_accuracy.item():.3f}")
print(f"nearest-centroid (cosine) accuracy: {centroid_accuracy.item():.3f}")
print(f"closest two class centroids are {spread.item():.3f} apart")
print("distance to each test image's nearest neighbour:", same_pair)
print("similarity of test image 0 to each class:", similarity[0])
