/**
 * The files of deploy/ read by the programs that will read them on a server: the systemd units
 * by `systemd-analyze verify`, the Caddyfile by `caddy validate`, compose.yaml by
 * `docker-compose config`, the Redis settings by a real redis-server, the MongoDB log rotation
 * by `logrotate --debug`. scripts/services.sh installs the tools from Debian's packages. What
 * cannot run here (MongoDB itself, a container engine, systemd as init) is listed at the end of
 * docs/deploy.md.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';

const DEPLOY = join(import.meta.dirname, '../../deploy');
const scratch = mkdtempSync(join(tmpdir(), 'deploy-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: string[], options: { cwd?: string } = {}): { code: number; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...options });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}`.trim() };
}

/**
 * `systemd-analyze verify` of the units as installed under /etc/systemd/system of a scratch root
 * (the units name /opt/intake/deploy/backup.sh and /usr/bin/node, which it checks exist). It
 * exits 0 on an unknown key or a bad value, printing a warning: any output is a failure.
 */
function verifyUnits(unitFiles: Record<string, string>): { code: number; output: string } {
  const root = mkdtempSync(join(scratch, 'root-'));
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'opt/intake/deploy'), { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  copyFileSync('/usr/bin/node', join(root, 'usr/bin/node'));
  copyFileSync(join(DEPLOY, 'backup.sh'), join(root, 'opt/intake/deploy/backup.sh'));
  chmodSync(join(root, 'opt/intake/deploy/backup.sh'), 0o755);
  for (const [name, text] of Object.entries(unitFiles)) writeFileSync(join(root, 'etc/systemd/system', name), text);
  const units = Object.keys(unitFiles).map((name) => name.replace('@.service', '@1.service'));
  return run('systemd-analyze', ['verify', `--root=${root}`, '--man=no', ...units]);
}

const unitFiles = Object.fromEntries(readdirSync(join(DEPLOY, 'systemd')).map((name) => [name, readFileSync(join(DEPLOY, 'systemd', name), 'utf8')]));

/** YAML read by PyYAML (python3-yaml, which docker-compose brings): the project has no YAML parser of its own. */
function yaml(text: string): unknown {
  const result = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: text, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`not YAML: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('deploy/', () => {
  it('has systemd units that systemd-analyze verify accepts without a word, and it does catch a slip', () => {
    expect(Object.keys(unitFiles).sort()).toEqual(['intake-backup.service', 'intake-backup.timer', 'intake-worker@.service', 'intake.service']);
    expect(verifyUnits(unitFiles)).toEqual({ code: 0, output: '' });

    const slipped = { ...unitFiles, 'intake.service': unitFiles['intake.service']!.replace('Restart=on-failure', 'Restart=on-failur') };
    expect(verifyUnits(slipped).output).toContain('Failed to parse service restart specifier');
    const badTime = { ...unitFiles, 'intake-backup.timer': unitFiles['intake-backup.timer']!.replace('Asia/Riyadh', 'Asia/Riyad') };
    expect(verifyUnits(badTime).output).toContain('Failed to parse calendar specification');
  });

  it('runs the service unprivileged and confined, and the backup apart from the keys', () => {
    const service = unitFiles['intake.service']!;
    expect(service).toMatch(/^User=intake$/m);
    expect(service).toMatch(/^ProtectSystem=strict$/m);
    expect(service).toMatch(/^NoNewPrivileges=yes$/m);
    expect(service).toMatch(/^ExecStart=\/usr\/bin\/node .*dist\/main\.js --role \$\{INTAKE_ROLES\}$/m);
    expect(unitFiles['intake-worker@.service']).toMatch(/^PartOf=intake\.service$/m);
    expect(unitFiles['intake-backup.service']).toMatch(/^Environment=BACKUP_DIR=\/var\/backups\/intake$/m);
  });

  it('has a Caddyfile that Caddy validates and that caddy fmt leaves as it is', () => {
    const file = join(scratch, 'Caddyfile');
    copyFileSync(join(DEPLOY, 'caddy/Caddyfile'), file);
    const validated = run('caddy', ['validate', '--config', file, '--adapter', 'caddyfile'], { cwd: scratch });
    expect(validated.output).toContain('Valid configuration');
    expect(validated.code).toBe(0);
    expect(run('caddy', ['fmt', file]).output).toBe(readFileSync(file, 'utf8').trim());

    // A slip is caught: a directive Caddy does not know.
    writeFileSync(file, readFileSync(file, 'utf8').replace('reverse_proxy 127.0.0.1:3000', 'reverse_proxi 127.0.0.1:3000'));
    expect(run('caddy', ['validate', '--config', file, '--adapter', 'caddyfile'], { cwd: scratch }).code).not.toBe(0);
  });

  it('has a compose.yaml that docker-compose accepts: a one-member replica set, Redis append-only and noeviction, the service on loopback', () => {
    // As in a checkout: deploy/compose.yaml beside an .env and the content directory.
    const checkout = mkdtempSync(join(scratch, 'checkout-'));
    mkdirSync(join(checkout, 'deploy'));
    mkdirSync(join(checkout, 'content'));
    copyFileSync(join(DEPLOY, 'compose.yaml'), join(checkout, 'deploy/compose.yaml'));
    writeFileSync(join(checkout, '.env'), 'DATA_KEYS=\n');
    const config = run('docker-compose', ['-p', 'intake', '-f', join(checkout, 'deploy/compose.yaml'), 'config']);
    expect(config.code, config.output).toBe(0);
    const services = (yaml(config.output) as { services: Record<string, { command?: string[]; ports?: string[]; environment?: Record<string, string> }> })
      .services;
    expect(services.mongo!.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(services.intake!.ports).toEqual(['127.0.0.1:3000:3000/tcp']);
    expect(services.intake!.environment).toMatchObject({
      MONGODB_URI: 'mongodb://mongo:27017/intake?replicaSet=rs0',
      NODE_ENV: 'production',
      CONSOLE_CHAT: 'off',
    });
  });

  it('has Redis settings that a real redis-server takes: append-only, noeviction, a password, loopback only', async () => {
    const dir = mkdtempSync(join(scratch, 'redis-'));
    const port = await freePort();
    const settings = readFileSync(join(DEPLOY, 'redis/intake.conf'), 'utf8')
      .replace(/^dir .*$/m, `dir ${dir}`)
      .replace(/^port 6379$/m, `port ${port}`);
    writeFileSync(join(dir, 'intake.conf'), settings);
    // As on Debian: the package's redis.conf, with the include at its end.
    writeFileSync(join(dir, 'redis.conf'), `daemonize yes\npidfile ${dir}/redis.pid\nlogfile ${dir}/redis.log\ninclude ${dir}/intake.conf\n`);
    expect(run('redis-server', [join(dir, 'redis.conf')]).code).toBe(0);
    const password = /^requirepass (.+)$/m.exec(settings)![1]!;
    const cli = (...args: string[]) => run('redis-cli', ['-p', String(port), '-a', password, '--no-auth-warning', ...args]).output;
    try {
      for (let i = 0; i < 50 && cli('ping') !== 'PONG'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(cli('config', 'get', 'appendonly')).toBe('appendonly\nyes');
      expect(cli('config', 'get', 'maxmemory-policy')).toBe('maxmemory-policy\nnoeviction');
      expect(cli('config', 'get', 'bind')).toBe('bind\n127.0.0.1 -::1');
      expect(run('redis-cli', ['-p', String(port), 'ping']).output).toContain('NOAUTH');
    } finally {
      cli('shutdown', 'nosave');
    }
  });

  it('has a MongoDB configuration naming the replica set, its key file and loopback, and a log rotation logrotate accepts', () => {
    expect(yaml(readFileSync(join(DEPLOY, 'mongodb/mongod.conf'), 'utf8'))).toMatchObject({
      net: { bindIp: '127.0.0.1' },
      replication: { replSetName: 'rs0' },
      security: { keyFile: '/etc/mongodb-keyfile' },
      systemLog: { logRotate: 'reopen', logAppend: true },
    });

    // logrotate reads it as /etc/logrotate.d/mongodb would be read (the log and its owner moved into the scratch directory).
    const dir = mkdtempSync(join(scratch, 'logrotate-'));
    writeFileSync(join(dir, 'mongod.log'), 'a line\n');
    const rules = readFileSync(join(DEPLOY, 'logrotate/mongodb'), 'utf8')
      .replace('/var/log/mongodb/mongod.log', join(dir, 'mongod.log'))
      .replace('create 0600 mongodb mongodb', 'create 0600 root root');
    writeFileSync(join(dir, 'mongodb'), rules);
    const checked = run('logrotate', ['--debug', '--force', '--state', join(dir, 'state'), join(dir, 'mongodb')]);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toContain(`rotating pattern: ${join(dir, 'mongod.log')}`);
    expect(checked.output).not.toMatch(/error/i);
  });
});
