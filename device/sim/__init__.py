"""The device on a laptop: simulated hands and room, the sim MQTT topics, a private broker, the panel."""
