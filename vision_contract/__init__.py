"""What the API function and the vision function agree on, in one place both ship: image limits and
the header walk that enforces them before anything decodes an image. Pure Python, no dependencies:
the API function has no OpenCV, and the vision function imports nothing of the domain."""
