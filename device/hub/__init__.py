"""The hub link: MQTT state and commands, Home Assistant discovery."""
