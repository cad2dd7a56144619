"""A local SageMaker emulator speaking the real AWS JSON 1.1 and REST-JSON protocols.

The operator's unchanged aiobotocore client talks to it through ``endpoint_url``;
tests and demos steer time, outcomes and faults through :class:`EmulatorControl`.
"""

from sagemaker_emulator.control import EmulatorControl
from sagemaker_emulator.server import EmulatorServer
from sagemaker_emulator.testing import RunningEmulator, running_emulator

__all__ = ["EmulatorControl", "EmulatorServer", "RunningEmulator", "running_emulator"]
