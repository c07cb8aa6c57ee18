import { defineApplyTests } from './apply-scenarios';

defineApplyTests('mysql');
