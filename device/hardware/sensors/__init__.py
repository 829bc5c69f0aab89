"""Room sensors on I2C: drivers, detection, polling and fake chips for tests and simulation."""
