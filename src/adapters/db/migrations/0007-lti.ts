import { type Kysely } from 'kysely';
import type { SqlDialectName } from './index';

/** LTI 1.3: platforms, tool keys, login states, users, contexts, resource links, scores, registration links. */
export async function lti(db: Kysely<unknown>, _dialect: SqlDialectName): Promise<void> {
    await db.schema
      .createTable('lti_platforms')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('authorization_endpoint', 'text', (c) => c.notNull())
      .addColumn('token_endpoint', 'text', (c) => c.notNull())
      .addColumn('jwks_url', 'text', (c) => c.notNull())
      .addColumn('deployment_ids', 'text', (c) => c.notNull())
      .addColumn('course_id', 'text', (c) => c.references('courses.id').onDelete('set null'))
      .addColumn('administrator_role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('lti_platforms_issuer_client', ['issuer', 'client_id'])
      .execute();
    await db.schema
      .createTable('lti_tool_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('private_jwk_encrypted', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('retired_at', 'text')
      .execute();
    await db.schema
      .createTable('lti_login_states')
      .addColumn('state', 'text', (c) => c.primaryKey())
      .addColumn('platform_id', 'text', (c) => c.notNull().references('lti_platforms.id').onDelete('cascade'))
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('binding_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('verified_at', 'text')
      .addColumn('outcome', 'text')
      .addColumn('session_issued_at', 'text')
      .execute();
    await db.schema
      .createTable('lti_used_nonces')
      .addColumn('platform_id', 'text', (c) => c.notNull().references('lti_platforms.id').onDelete('cascade'))
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('lti_used_nonces_pk', ['platform_id', 'nonce'])
      .execute();
    await db.schema
      .createTable('lti_users')
      .addColumn('platform_id', 'text', (c) => c.notNull().references('lti_platforms.id').onDelete('cascade'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('lti_users_pk', ['platform_id', 'subject'])
      .execute();
    await db.schema.createIndex('lti_users_user').on('lti_users').column('user_id').execute();
    await db.schema
      .createTable('lti_contexts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('platform_id', 'text', (c) => c.notNull().references('lti_platforms.id').onDelete('cascade'))
      .addColumn('context_id', 'text', (c) => c.notNull())
      .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('memberships_url', 'text')
      .addColumn('last_synced_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('lti_contexts_platform_context', ['platform_id', 'context_id'])
      .execute();
    await db.schema
      .createTable('lti_resource_links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('context_row_id', 'text', (c) => c.notNull().references('lti_contexts.id').onDelete('cascade'))
      .addColumn('link_id', 'text', (c) => c.notNull())
      .addColumn('lesson_id', 'text', (c) => c.references('lessons.id').onDelete('set null'))
      .addColumn('line_item_url', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('lti_resource_links_context_link', ['context_row_id', 'link_id'])
      .execute();
    await db.schema.createIndex('lti_resource_links_lesson').on('lti_resource_links').column('lesson_id').execute();
    await db.schema
      .createTable('lti_scores')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('resource_link_row_id', 'text', (c) => c.notNull().references('lti_resource_links.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('posted_percent', 'double precision')
      .addColumn('posted_timestamp', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('lti_scores_link_user', ['resource_link_row_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('lti_registration_links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('course_id', 'text', (c) => c.references('courses.id').onDelete('set null'))
      .addColumn('administrator_role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
}
