"""REINFORCE, as in the PyTorch reinforcement-learning tutorial, on two small problems:

1. a 4-armed bandit whose arms pay Bernoulli rewards: a softmax policy over logits learns to
   pull the best arm;
2. a corridor gridworld (10 cells, start at the left end, +1 at the right end, -0.01 per step): a
   small policy network learns to walk right, with discounted, normalised returns.

Actions are drawn with ``Categorical(probs).sample()`` and the loss is ``-log_prob * return``,
so the same seed gives the same actions in torch and in minigrad.

    python -m compare run examples/reinforce_bandit.py
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Bernoulli, Categorical

torch.manual_seed(0)

# ---- 1. a Bernoulli bandit ----------------------------------------------------------------------
arm_payout = torch.tensor([0.2, 0.5, 0.8, 0.35])
logits = torch.zeros(4, requires_grad=True)
optimizer = torch.optim.Adam([logits], lr=0.05)
baseline = 0.0
for step in range(300):
    policy = Categorical(logits=logits)
    arms = policy.sample((16,))                                  # 16 pulls per step
    rewards = Bernoulli(arm_payout[arms]).sample()
    baseline = 0.9 * baseline + 0.1 * rewards.mean().item()
    loss = -(policy.log_prob(arms) * (rewards - baseline)).mean() - 0.01 * policy.entropy()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 50 == 0:
        print(f"bandit step {step:3d}: arms {arms.tolist()}  mean reward {rewards.mean():.3f}")
print("bandit policy:", [round(p, 4) for p in Categorical(logits=logits).probs.tolist()])


# ---- 2. a corridor gridworld --------------------------------------------------------------------
class Corridor:
    """Cells 0..length-1; action 0 steps left, 1 steps right; the episode ends at the right end
    (reward +1) or after ``max_steps`` (every step costs 0.01)."""

    def __init__(self, length=10, max_steps=40):
        self.length, self.max_steps = length, max_steps

    def reset(self):
        self.position, self.steps = 0, 0
        return self.observe()

    def observe(self):
        return F.one_hot(torch.tensor(self.position), self.length).float()

    def step(self, action):
        self.position = max(0, min(self.length - 1, self.position + (1 if action == 1 else -1)))
        self.steps += 1
        done = self.position == self.length - 1 or self.steps == self.max_steps
        reward = 1.0 if self.position == self.length - 1 else -0.01
        return self.observe(), reward, done


class Policy(nn.Module):
    def __init__(self, n_states, n_actions):
        super().__init__()
        self.affine1 = nn.Linear(n_states, 32)
        self.affine2 = nn.Linear(32, n_actions)

    def forward(self, x):
        return F.softmax(self.affine2(F.relu(self.affine1(x))), dim=-1)


env = Corridor()
policy = Policy(env.length, 2)
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
gamma = 0.99
eps = np.finfo(np.float32).eps.item()


def run_episode():
    state, log_probs, rewards, actions = env.reset(), [], [], []
    done = False
    while not done:
        m = Categorical(policy(state))
        action = m.sample()
        log_probs.append(m.log_prob(action))
        state, reward, done = env.step(action.item())
        rewards.append(reward)
        actions.append(action.item())
    return log_probs, rewards, actions


for episode in range(80):
    log_probs, rewards, actions = run_episode()
    returns, running = [], 0.0
    for r in reversed(rewards):
        running = r + gamma * running
        returns.insert(0, running)
    returns = torch.tensor(returns)
    if len(returns) > 1:
        returns = (returns - returns.mean()) / (returns.std() + eps)
    loss = torch.stack([-lp * R for lp, R in zip(log_probs, returns)]).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if episode % 10 == 0 or episode == 79:
        print(f"episode {episode:2d}: {len(actions):2d} steps, return {sum(rewards):+.2f}, "
              f"actions {''.join('R' if a else 'L' for a in actions)}")

with torch.no_grad():
    start = Categorical(policy(env.reset()))
    print("P(right) at the start:", round(start.probs[1].item(), 4),
          " entropy:", round(start.entropy().item(), 4))
