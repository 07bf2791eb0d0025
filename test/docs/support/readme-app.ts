/**
 * What the README's snippets assume of the reader's own application: its services, its other job classes, and
 * the values an excerpt is handed (an order, a user id...). Ambient declarations in a script, so a snippet that
 * declares one of these names itself (the quick start's SendWelcomeEmail) simply shadows it.
 *
 * Job classes are declared with the data their `handle` takes, so `dispatch`/`job()` calls in the README are
 * checked against it; the order-chain jobs have different constructors, as real ones would.
 */
export const README_APP_DECLARATIONS = `
type ReadmeJobContext<T = unknown> = import('nestjs-queue').JobContext<T>;

interface User { id: number; email: string }
interface UserRow { email: string; name: string }
interface Order { id: number; total: number; requiresShipping: boolean }

declare class MailService { sendWelcome(userId: number): Promise<void> }
declare class EventService { process(eventId: string): Promise<void> }
declare class UserService { create(input: { email: string }): Promise<User> }
declare class PaymentGateway { charge(orderId: number, amount: number): Promise<void> }
declare class InventoryService { reserve(orderId: number): Promise<void> }
declare class ShippingService { quote(orderId: number): Promise<number> }
declare class AppModule {}
/** The README's custom middleware, used by name in the block before the one that defines it. */
declare class WithDatabaseTransaction {
  handle(job: ReadmeJobContext, next: () => Promise<void>): Promise<void>;
}
/** The knex instance's injection token (the sample's database module provides it). */
declare const KNEX: unique symbol;

declare class SendWelcomeEmail {
  constructor(mailer: MailService);
  handle(data: { userId: number }, job: ReadmeJobContext<{ userId: number }>): Promise<void>;
}
declare class ExportEventAttendees {
  handle(data: { eventId: number; userId: number; format?: 'csv' | 'xlsx' | 'pdf' }): Promise<void>;
}
declare class ImportUserChunk { handle(data: { chunk: UserRow[]; index: number }): Promise<void> }
declare class NotifyImportCompleted { constructor(mail: MailService); handle(data: { userId: number }): Promise<void> }
declare class LogImportFailure { handle(data: Record<string, never>, job: ReadmeJobContext): Promise<void> }
declare class ForgetImportCache { handle(data: Record<string, never>): Promise<void> }
declare class ProcessRecord { handle(data: { id: number }): Promise<void> }

declare class ValidateOrder { handle(data: Order): Promise<void> }
declare class ProcessPayment { constructor(payments: PaymentGateway); handle(data: Order): Promise<void> }
declare class UpdateInventory { constructor(inventory: InventoryService); handle(data: Order): Promise<void> }
declare class CalculateShipping { constructor(shipping: ShippingService); handle(data: Order): Promise<void> }
declare class CreateShippingLabel { constructor(shipping: ShippingService, inventory: InventoryService); handle(data: Order): Promise<void> }
declare class SendOrderConfirmation { constructor(mail: MailService); handle(data: Order): Promise<void> }
declare class SendConfirmation { constructor(mail: MailService); handle(data: Order): Promise<void> }
declare class OrderChainFailed { handle(data: Order, job: ReadmeJobContext<Order>): Promise<void> }

/** Values an excerpt is handed. */
declare const bus: import('nestjs-queue').Bus;
declare const app: import('@nestjs/common').INestApplicationContext;
declare const user: User;
declare const userId: number;
declare const eventId: number;
declare const id: number;
declare const chunks: UserRow[][];
declare const o: Order;
`;

/** Names an excerpt may use without importing, beyond nestjs-queue's own exports (which come first). */
export const THIRD_PARTY_NAMES: ReadonlyArray<{ module: string; names: readonly string[] }> = [
  { module: '@nestjs/common', names: ['Module', 'Injectable', 'Inject', 'Global', 'Type', 'INestApplicationContext', 'OnModuleInit'] },
  { module: '@nestjs/core', names: ['NestFactory'] },
  { module: '@nestjs/testing', names: ['Test', 'TestingModule'] },
  { module: 'knex', names: ['Knex'] },
];
