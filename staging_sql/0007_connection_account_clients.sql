-- Which client an account belongs to when its connection reaches several clients' accounts
-- (a Google Ads manager account, say). Falls back to config.connections.client_slug.
create table if not exists config.connection_account_clients (
    connection_id text not null references config.connections (connection_id),
    account_id    text not null,   -- Google: 10 digits; Meta: digits without act_
    client_slug   text not null references config.clients (client_slug),
    primary key (connection_id, account_id)
);
