"""The eight steps of a VM deployment (seed 000), in order: one definition for every layer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    number: int
    key: str  # the provider method that performs it
    title: str
    message: str  # what the user sees while it runs

    @property
    def label(self) -> str:
        """'step 5/8 (Power on VM)': how errors and log lines name a step."""
        return f"step {self.number}/{TOTAL_STEPS} ({self.title})"

    @property
    def heading(self) -> str:
        """The label at the start of a sentence: 'Step 5/8 (Power on VM)'."""
        return f"Step {self.number}/{TOTAL_STEPS} ({self.title})"


STEPS: tuple[Step, ...] = (
    Step(1, "connect", "Connect to vCenter", "Connecting to vCenter..."),
    Step(2, "clone", "Clone VM from template", "Cloning VM from template..."),
    Step(3, "configure_hardware", "Configure hardware", "Configuring CPU, memory and disk..."),
    Step(4, "configure_network", "Configure network", "Configuring network..."),
    Step(5, "power_on", "Power on VM", "Powering on VM..."),
    Step(6, "wait_for_guest", "Wait for guest tools and IP", "Waiting for guest tools and IP..."),
    Step(7, "post_configure", "Post-configuration", "Running post-configuration..."),
    Step(8, "verify", "Verify", "Verifying the deployment..."),
)
TOTAL_STEPS = len(STEPS)
CLONE_STEP = 2  # from here on a VM exists


def step(number: int) -> Step:
    return STEPS[number - 1]
