"""examples/makemore_mlp.py prints exactly the same under minigrad as under torch: the losses of
training, the BatchNorm/tanh statistics, and the ten names sampled with torch.multinomial."""
from test_examples import ROOT, assert_same_output


def test_makemore_mlp_example():
    assert_same_output(ROOT / "examples" / "makemore_mlp.py")
