import { pitrRestoreTests } from './pitr-restore-scenarios';

pitrRestoreTests(['mariadb']);
