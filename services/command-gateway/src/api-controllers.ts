import { HealthController } from '@billing/platform/health';
import type { Type } from '@nestjs/common';
import { AccountsController } from './accounts/accounts.controller';
import { TransactionActionsController } from './admin/transaction-actions.controller';
import { DeadLettersController } from './admin/dead-letters.controller';
import { EventsController } from './events/events.controller';
import { AccountsReadController } from './read/accounts-read.controller';
import { ConsoleReadController } from './read/console-read.controller';
import { ReportsController } from './read/reports.controller';
import { TransactionsReadController } from './read/transactions-read.controller';
import { BillsController } from './transactions/bills.controller';
import { TransactionsController } from './transactions/transactions.controller';

/**
 * The controllers whose routes make up the API, in the order the document lists them. AppModule
 * registers exactly these (and the OpenAPI controller, which serves the document), and openapi/document.ts
 * documents them from their decorators: a route added to one of them is registered and documented at once.
 */
export const API_CONTROLLERS: readonly Type[] = [
  AccountsController,
  AccountsReadController,
  TransactionsController,
  BillsController,
  TransactionsReadController,
  TransactionActionsController,
  ReportsController,
  ConsoleReadController,
  DeadLettersController,
  EventsController,
  HealthController,
];
