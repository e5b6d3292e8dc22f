"""The layer classes, one family per file as in torch.nn.modules."""
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss)
from .module import Module

__all__ = [
    "Module", "Linear", "Identity", "Sequential", "ModuleList", "ModuleDict", "ReLU", "Sigmoid",
    "Tanh", "Softmax", "LogSoftmax", "Flatten", "Dropout", "MSELoss", "L1Loss", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
]
from .conv import *  # noqa: E402, F403
from .conv import __all__ as _conv_all  # noqa: E402
__all__ += _conv_all
from .pooling import *  # noqa: E402, F403
from .pooling import __all__ as _pooling_all  # noqa: E402
__all__ += _pooling_all
from .batchnorm import *  # noqa: E402, F403
from .batchnorm import __all__ as _batchnorm_all  # noqa: E402
from .normalization import *  # noqa: E402, F403
from .normalization import __all__ as _normalization_all  # noqa: E402
__all__ += _batchnorm_all + _normalization_all
from .upsampling import *  # noqa: E402, F403
from .upsampling import __all__ as _upsampling_all  # noqa: E402
from .dropout import Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout  # noqa
from .flatten import Unflatten  # noqa: E402
__all__ += _upsampling_all + ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                              "FeatureAlphaDropout", "Unflatten"]
from .activation import __all__ as _activations  # noqa: E402
from .activation import *  # noqa: E402,F401,F403

__all__ += [name for name in _activations if name not in __all__]
from .sparse import Embedding, EmbeddingBag  # noqa: E402,F401

__all__ += ["Embedding", "EmbeddingBag"]
from .layer_norm import LayerNorm, RMSNorm  # noqa: E402,F401

__all__ += ["LayerNorm", "RMSNorm"]
from .attention import MultiheadAttention  # noqa: E402,F401

__all__ += ["MultiheadAttention"]
from .transformer import (TransformerDecoder, TransformerDecoderLayer,  # noqa: E402,F401
                          TransformerEncoder, TransformerEncoderLayer)

__all__ += ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
            "TransformerDecoder"]
from .rnn import (GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell,  # noqa: E402,F401
                  RNNCellBase)

__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
from . import loss_more as _loss_more, distance as _distance, padding as _padding  # noqa: E402
from . import container_params as _params, fold as _fold  # noqa: E402
from . import bilinear as _bilinear, shuffle_rrelu as _shuffle_rrelu  # noqa: E402
for _more in (_loss_more, _distance, _padding, _params, _fold, _bilinear, _shuffle_rrelu):
    globals().update({name: getattr(_more, name) for name in _more.__all__})
    __all__ += _more.__all__
