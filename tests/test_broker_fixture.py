"""The private broker the hub tests rely on: its own port, its own config, really speaking MQTT."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt


def test_broker_round_trip_on_a_private_port(broker) -> None:
    assert broker.port != 1883
    assert "listener" in broker.config_file.read_text()
    got = threading.Event()
    received: list[bytes] = []

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)

    def on_connect(c, userdata, flags, reason_code, properties):
        c.subscribe("fixture/test", qos=1)

    def on_subscribe(c, userdata, mid, reason_codes, properties):
        c.publish("fixture/test", b"hello", qos=1)

    def on_message(c, userdata, message):
        received.append(message.payload)
        got.set()

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        assert got.wait(5)
    finally:
        client.loop_stop()
        client.disconnect()
    assert received == [b"hello"]


def test_broker_stop_and_restart_keeps_the_port(broker) -> None:
    port = broker.port
    broker.stop()
    assert broker.process is None
    broker.start()
    assert broker.port == port and broker.process is not None and broker.process.poll() is None
