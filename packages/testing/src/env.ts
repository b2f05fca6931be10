/** The broker and database server the global setup chose; read by test files. */
export function testEnv(): { kafkaBrokers: string[]; databaseUrl: string } {
  const brokers = process.env.KAFKA_BROKERS;
  const databaseUrl = process.env.DATABASE_URL;
  if (!brokers || !databaseUrl)
    throw new Error('KAFKA_BROKERS and DATABASE_URL must be set by the global setup');
  return { kafkaBrokers: brokers.split(','), databaseUrl };
}
