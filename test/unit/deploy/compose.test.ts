import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { AgentConfigSchema, CentralConfigSchema, type Secret } from '../../../adapters/config/config';
import { SEARCH_ATTRIBUTES } from '../../../devstack/temporal-server';

// No Docker engine runs here, so the compose file is checked against what the product reads.
const repo = resolve(__dirname, '../../../..');

interface Service {
  image?: string;
  build?: { context: string; target: string };
  command?: string[];
  ports?: string[];
  secrets?: string[];
  volumes?: string[];
}
const compose = parse(readFileSync(join(repo, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};

function configOf(service: string): { file: string; raw: unknown } {
  const command = compose.services[service]?.command ?? [];
  const inContainer = command[command.indexOf('--config') + 1]!;
  const mount = compose.services[service]!.volumes!.find((v) => v.endsWith(':/etc/pitr:ro'))!;
  const file = join(repo, mount.split(':')[0]!, inContainer.replace('/etc/pitr/', ''));
  return { file, raw: JSON.parse(readFileSync(file, 'utf8')) };
}

function exposes(service: string, host: string, port: number): void {
  assert.ok(compose.services[host], `${service}'s configuration names host ${host}, which is no service`);
  const ports = (compose.services[host]!.ports ?? []).map((p) => Number(p.split(':').pop()));
  assert.ok(ports.includes(port), `${host} does not serve port ${port} (ports: ${ports.join(', ')})`);
}

function mountedSecrets(service: string, secrets: Secret[]): void {
  for (const secret of secrets) {
    if (typeof secret === 'object' && 'file' in secret && secret.file.startsWith('/run/secrets/')) {
      const name = secret.file.slice('/run/secrets/'.length);
      assert.ok(compose.secrets[name], `secret ${name} is not defined`);
      assert.ok(compose.services[service]!.secrets?.includes(name), `${service} reads ${name} but does not mount it`);
    }
  }
}

test('the central worker’s configuration is valid and names services and secrets compose provides', () => {
  const config = CentralConfigSchema.parse(configOf('central').raw);
  const temporal = new URL(`tcp://${config.temporal.address}`);
  exposes('central', temporal.hostname, Number(temporal.port));
  const s3 = new URL(config.storage.endpoint);
  exposes('central', s3.hostname, Number(s3.port));
  mountedSecrets('central', [
    config.storage.secretAccessKey,
    config.catalogUrl,
    { file: config.masterKeyFile },
    { file: config.signing.privateKeyFile },
  ]);
});

test('the agent’s configuration is valid and sits beside the MySQL 8.4 it backs up, with GTIDs on', () => {
  const config = AgentConfigSchema.parse(configOf('agent').raw);
  exposes('agent', config.database.host, config.database.port);
  mountedSecrets('agent', [config.database.password, config.storage.secretAccessKey, { file: config.masterKeyFile }]);
  const mysql = compose.services[config.database.host]!;
  assert.ok(mysql.command?.includes('--gtid-mode=ON') && mysql.command.includes('--enforce-gtid-consistency=ON'));
  const binlogVolume = mysql.volumes!.find((v) => v.endsWith(`:${config.database.binlogDir}`))!.split(':')[0];
  assert.ok(
    compose.services.agent!.volumes!.some((v) => v.startsWith(`${binlogVolume}:${config.database.binlogDir}`)),
    'the agent reads the binlogs',
  );
  const staging = mysql.volumes!.find((v) => v.endsWith(`:${config.stagingDir}`))!.split(':')[0];
  assert.ok(compose.services.agent!.volumes!.includes(`${staging}:${config.stagingDir}`), 'clone writes staging from the server side');
});

test('the Temporal service registers the search attributes the workflows set', () => {
  const command = compose.services.temporal!.command!.join(' ');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) assert.match(command, new RegExp(`--search-attribute ${name}=${type}`));
});

test('the agent image carries MySQL’s own client tools of the server’s version', () => {
  const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
  assert.equal(compose.services.central!.build?.target, 'central');
  assert.equal(compose.services.agent!.build?.target, 'agent');
  assert.deepEqual(stages, ['central', 'agent']);
  const agentStage = dockerfile.slice(dockerfile.indexOf('AS agent'));
  const version = /^ARG MYSQL_VERSION=(\d+\.\d+)\.\d+$/m.exec(agentStage)?.[1];
  assert.equal(`mysql:${version}`, compose.services.mysql!.image, 'the tools match the server’s major.minor');
  for (const tool of ['mysql', 'mysqldump', 'mysqlbinlog']) assert.match(agentStage, new RegExp(`\\b${tool}\\b`));
});
