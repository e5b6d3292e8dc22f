"""An LSTM part-of-speech tagger, in the style of the classic PyTorch sequence-model tutorial.

Each word of a sentence is embedded (nn.Embedding), the sequence runs through an nn.LSTM, and
a Linear layer + log_softmax scores every tag for every word; NLLLoss and plain SGD train it on
a handful of built-in sentences. A plain PyTorch program: ``python examples/lstm_tagger.py``
runs it on torch, ``python -m compare run examples/lstm_tagger.py`` on both libraries.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)

training_data = [
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"]),
    ("The cat saw a bird".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("A girl read the story".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("That dog saw everybody".split(), ["DET", "NN", "V", "NN"]),
]
test_sentence = "The girl ate that apple".split()

word_to_ix = {}
for sentence, _ in training_data + [(test_sentence, None)]:
    for word in sentence:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}
ix_to_tag = {v: k for k, v in tag_to_ix.items()}

EMBEDDING_DIM = 8
HIDDEN_DIM = 8


def prepare_sequence(seq, to_ix):
    return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        return F.log_softmax(tag_space, dim=1)


model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))
print(model)
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)

with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    print("before training:\n", model(inputs))

for epoch in range(60):
    total = 0.0
    for sentence, tags in training_data:
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
        total += loss.item()
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1:3d}  loss {total / len(training_data):.6f}")

with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    print("after training:\n", model(inputs))
    scores = model(prepare_sequence(test_sentence, word_to_ix))
    print(" ".join(f"{w}/{ix_to_tag[int(i)]}" for w, i in zip(test_sentence,
                                                              scores.argmax(dim=1))))
