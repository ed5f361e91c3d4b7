import pytest

from csc_inequalities.gradient.simulate import SimulationParameters, simulate_counts


@pytest.fixture(scope="session")
def simulated():
    """Default-size simulated table (6 LAs x 150 LSOAs) with known generating parameters."""
    return simulate_counts(SimulationParameters(), seed=11)
