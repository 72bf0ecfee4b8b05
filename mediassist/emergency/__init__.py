"""Emergencies happening now: detection (tuned embedding layers, framing, self-harm) and the notice with its numbers."""
from .detector import Emergency, EmergencyDetector, shared_detector
from .numbers import StatedNumbers, emergency_notice, stated_numbers

__all__ = ["Emergency", "EmergencyDetector", "StatedNumbers", "emergency_notice", "shared_detector",
           "stated_numbers"]
