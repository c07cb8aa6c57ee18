import { defineApplyTests } from './apply-scenarios';

defineApplyTests('mariadb');
