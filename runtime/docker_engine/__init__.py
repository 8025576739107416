"""Python client for the Docker Engine API, one typed package per API version.

``docker_engine.Client.from_env()`` connects to the daemon named by
``DOCKER_HOST``, negotiates the API version, and returns the client of the
matching version package (``docker_engine.v1_NN``). The version packages
are separate distributions, such as ``docker-engine-v1-47``.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)
