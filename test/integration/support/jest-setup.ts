// Flows on the real stack wait on Debezium, Kafka and app start-up: give each test two minutes.
jest.setTimeout(120_000);
