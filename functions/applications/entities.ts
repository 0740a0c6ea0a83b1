/**
 * Application items, in the workspace's partition (`T#workspace#<id>`), sort
 * key `APP#<id>` (ids start with the creation time, so the key order is the
 * creation order). The name is encrypted (typed by a person); origins and
 * redirect URIs are configuration, not personal data, and stay plain.
 */
import { defineEntity } from '../data/entity';

export interface ApplicationItem {
  /** Encrypted. */
  name: string;
  /** Public identifier for the hosted login (`fv_app_…`). */
  clientId: string;
  allowedOrigins: string[];
  redirectUris: string[];
  enabled: boolean;
  /** Lifetime of the hosted login's session tokens; absent on items from before it existed = the default. */
  sessionLifetimeSeconds?: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const ApplicationEntity = defineEntity<ApplicationItem>({ name: 'application', skPrefix: 'APP#', encrypted: ['name'] });
export const applicationSk = (id: string) => `APP#${id}`;

/**
 * Global pointer from a public client id to its application (the hosted login starts from the
 * client id alone): created with the application, deleted with it. Holds only the owning tenant
 * key and the application id.
 */
export const clientIdGuard = (clientId: string) => ({ pk: `CLIENTID#${clientId}`, sk: 'CLIENT' });
