import { DynamicModule, Module } from '@nestjs/common';
import { QueueModule } from '../../lib';
import { queueConfig } from './config/queue.config';
import { SAMPLE_SETTINGS, SampleSettings } from './config/sample-settings';
import { Database } from './database/database';
import { EventRepository } from './events/event.repository';
import { EventService } from './events/event.service';
import { DownloadController } from './http/download.controller';
import { SampleHttpServer } from './http/sample-http-server';
import { SlackStandIn } from './http/slack-stand-in';
import { WebhookReceivers } from './http/webhook-receivers';
import { ImportService } from './imports/import.service';
import { ExportEventAttendees } from './jobs/export-event-attendees.job';
import { ForgetImportCache } from './jobs/imports/forget-import-cache.job';
import { ImportUserChunk } from './jobs/imports/import-user-chunk.job';
import { LogImportFailure } from './jobs/imports/log-import-failure.job';
import { NotifyImportCompleted } from './jobs/imports/notify-import-completed.job';
import { ProcessRecord } from './jobs/imports/process-record.job';
import { CalculateShipping } from './jobs/orders/calculate-shipping.job';
import { CreateShippingLabel } from './jobs/orders/create-shipping-label.job';
import { NotifyWarehouse } from './jobs/orders/notify-warehouse.job';
import { OrderChainFailed } from './jobs/orders/order-chain-failed.job';
import { ProcessPayment } from './jobs/orders/process-payment.job';
import { SendConfirmation } from './jobs/orders/send-confirmation.job';
import { SendOrderConfirmation } from './jobs/orders/send-order-confirmation.job';
import { UpdateInventory } from './jobs/orders/update-inventory.job';
import { ValidateOrder } from './jobs/orders/validate-order.job';
import { ProcessEventData } from './jobs/process-event-data.job';
import { ProcessWebhook } from './jobs/process-webhook.job';
import { SendTransactionalEmail } from './jobs/send-transactional-email.job';
import { SendWelcomeEmail } from './jobs/send-welcome-email.job';
import { BatchProgressRecorder } from './listeners/batch-progress.recorder';
import { JobEventListener } from './listeners/job-event.listener';
import { Mailer } from './mail/mailer';
import { RateLimits } from './middleware/rate-limits';
import { WithDatabaseTransaction } from './middleware/with-database-transaction';
import { Notifier } from './notifications/notifier';
import { OrderRepository } from './orders/order.repository';
import { OrderService } from './orders/order.service';
import { PaymentGateway } from './orders/payment-gateway';
import { QueueInspector } from './run/queue-inspector';
import { LocalDiskStorage } from './filesystem/local-disk.storage';
import { Storage } from './filesystem/storage';
import { UrlSigner } from './filesystem/url-signer';
import { AppLog } from './support/app-log';
import { Cache } from './support/cache';
import { UserRepository } from './users/user.repository';
import { UserService } from './users/user.service';
import { HttpClient } from './webhooks/http-client';

/** Every job of the seed, as Nest providers. */
export const JOBS = [
  SendWelcomeEmail, SendTransactionalEmail, ProcessEventData, ExportEventAttendees, ProcessWebhook,
  ImportUserChunk, ProcessRecord, NotifyImportCompleted, LogImportFailure, ForgetImportCache,
  ProcessPayment, UpdateInventory, SendOrderConfirmation, NotifyWarehouse, OrderChainFailed,
  ValidateOrder, CalculateShipping, CreateShippingLabel, SendConfirmation,
];

/** The Meet2Be sample application: the seed's queue guide as a Nest app. */
@Module({})
export class AppModule {
  static register(settings: SampleSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [QueueModule.forRoot(queueConfig(settings))],
      providers: [
        { provide: SAMPLE_SETTINGS, useValue: settings },
        Database, AppLog, Cache, Mailer, Notifier, HttpClient,
        SampleHttpServer, WebhookReceivers, SlackStandIn, DownloadController,
        UrlSigner, { provide: Storage, useClass: LocalDiskStorage },
        UserRepository, UserService, EventRepository, EventService, OrderRepository, PaymentGateway, OrderService, ImportService,
        RateLimits, WithDatabaseTransaction,
        JobEventListener, BatchProgressRecorder, QueueInspector,
        ...JOBS,
      ],
      exports: [SAMPLE_SETTINGS],
    };
  }
}
