import { Command, Option } from 'commander';
import { MariadbGtidPosition } from '../../domain/gtid/mariadb-gtid-position';
import { MysqlGtidSet } from '../../domain/gtid/mysql-gtid-set';
import { GTID_FLAVORS, type GtidAlgebra, type GtidFlavor } from '../../domain/gtid/parse-gtid';

type Operation = 'normalize' | 'union' | 'subtract' | 'intersect' | 'contains';
type Operands = [string, ...string[]];

const MARIADB_OPERANDS_HELP = `
MariaDB operands are GTID positions (@@gtid_binlog_pos, @@gtid_current_pos, @@gtid_slave_pos)
or binlog states (@@gtid_binlog_state, the Gtid list \`pitr binlog inspect\` prints as
previousGtids), which name a domain once per server id. A state counts as the position it
stands for, as MariaDB derives gtid_binlog_pos: in each domain, the GTID listed last.
`;

/** `pitr gtid ...`: GTID arithmetic as the product does it, for operators comparing servers and backups. */
export function gtidCommand(): Command {
  return new Command('gtid')
    .description('compute with GTID sets (MySQL) and GTID positions (MariaDB); results are printed in canonical form')
    .addHelpText('after', MARIADB_OPERANDS_HELP)
    .exitOverride()
    .addCommand(operation('normalize', '<set>', 'print a GTID set in canonical form'))
    .addCommand(operation('union', '<a> <b...>', 'print the union of the GTID sets'))
    .addCommand(operation('subtract', '<a> <b>', "print A without B (MariaDB: the domains where A is ahead of B, at A's GTID)"))
    .addCommand(operation('intersect', '<a> <b...>', 'print the GTIDs common to all the sets'))
    .addCommand(operation('contains', '<a> <b>', 'print true and exit 0 when A contains every GTID of B, else print false and exit 1'));
}

function operation(name: Operation, args: string, description: string): Command {
  // Commander settings are not inherited through addCommand: without exitOverride a usage error
  // would exit 1 here, which `contains` uses for "not contained".
  return new Command(name)
    .description(description)
    .showHelpAfterError()
    .exitOverride()
    .arguments(args)
    .addOption(new Option('--flavor <flavor>', 'server flavor of the GTID text').choices(GTID_FLAVORS).default('mysql'))
    .action(function (this: Command) {
      // Commander refuses the command before this runs unless every required argument is there.
      const operands = this.args as Operands;
      if (this.opts<{ flavor: GtidFlavor }>().flavor === 'mysql') run(name, operands, MysqlGtidSet.parse);
      else run(name, operands, MariadbGtidPosition.ofBinlogState);
    });
}

function run<T extends GtidAlgebra<T>>(name: Operation, [firstText, ...restTexts]: Operands, parse: (text: string) => T): void {
  const first = parse(firstText);
  const rest = restTexts.map(parse);
  if (name === 'contains') {
    const contained = rest.every((other) => first.contains(other));
    process.stdout.write(`${contained}\n`);
    process.exitCode = contained ? 0 : 1;
    return;
  }
  const result = name === 'normalize' ? first : rest.reduce((acc, other) => acc[name](other), first);
  process.stdout.write(`${result.toString()}\n`);
}
