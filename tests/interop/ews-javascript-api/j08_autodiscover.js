'use strict';
/*
 * Autodiscover as an EWS Managed API app drives it, through ews-javascript-api 0.15.3's AutodiscoverService: pointed
 * at the server's /autodiscover/autodiscover.svc (its Url set, as an app that knows its autodiscover endpoint does; the
 * DNS and SCP steps need a real domain), GetUserSettings and GetDomainSettings over SOAP with WS-Addressing, Basic.
 */
const { ews, URL, USER1, PASSWORD1, USER2, Steps, assert, equal } = require('./common');

function autodiscover(user, password) {
  const base = URL.replace(/\/EWS\/Exchange\.asmx$/i, '');
  const svc = new ews.AutodiscoverService(new ews.Uri(`${base}/autodiscover/autodiscover.svc`), ews.ExchangeVersion.Exchange2010);
  svc.Credentials = new ews.WebCredentials(user, password);
  return svc;
}

async function main() {
  const s = new Steps();
  const alice = autodiscover(USER1, PASSWORD1);
  const S = ews.UserSettingName;

  await s.step('get_user_settings', async () => {
    const response = await alice.GetUserSettings(USER1, [
      S.UserDisplayName, S.UserDN, S.UserDeploymentId, S.InternalEwsUrl, S.ExternalEwsUrl, S.CasVersion, S.EwsSupportedSchemas,
    ]);
    equal(response.ErrorCode, ews.AutodiscoverErrorCode.NoError, 'ErrorCode');
    equal(response.Settings.get(S.ExternalEwsUrl).toLowerCase(), URL.toLowerCase(), 'ExternalEwsUrl');
    equal(response.Settings.get(S.InternalEwsUrl).toLowerCase(), URL.toLowerCase(), 'InternalEwsUrl');
    assert(response.Settings.get(S.UserDisplayName), 'UserDisplayName is given');
    assert(String(response.Settings.get(S.UserDN)).startsWith('/o='), 'UserDN is an X.500 name');
    assert(/^15\./.test(response.Settings.get(S.CasVersion)), `CasVersion ${response.Settings.get(S.CasVersion)}`);
    assert(String(response.Settings.get(S.EwsSupportedSchemas)).includes('Exchange2016'), 'EwsSupportedSchemas names Exchange2016');
    assert(alice.ServerInfo && alice.ServerInfo.MajorVersion === 15, 'ServerVersionInfo read from the header');
  });

  await s.step('get_user_settings_unavailable_setting', async () => {
    const response = await alice.GetUserSettings(USER1, [S.ExternalEwsUrl, S.InternalEcpUrl]);
    equal(response.ErrorCode, ews.AutodiscoverErrorCode.NoError, 'ErrorCode');
    assert(response.Settings.get(S.ExternalEwsUrl), 'ExternalEwsUrl is given');
    equal(response.UserSettingErrors.length, 1, 'UserSettingErrors');
    equal(response.UserSettingErrors[0].SettingName, 'InternalEcpUrl', 'the setting refused');
    equal(response.UserSettingErrors[0].ErrorCode, ews.AutodiscoverErrorCode.SettingIsNotAvailable, 'its error');
  });

  await s.step('get_user_settings_other_user_invalid', async () => {
    const response = await alice.GetUserSettings(USER2, [S.ExternalEwsUrl]);
    equal(response.ErrorCode, ews.AutodiscoverErrorCode.InvalidUser, 'ErrorCode');
    equal(response.Settings.Count, 0, 'settings given');
  });

  await s.step('get_domain_settings', async () => {
    const domain = USER1.slice(USER1.indexOf('@') + 1);
    const response = await alice.GetDomainSettings(domain, ews.ExchangeVersion.Exchange2010,
      ews.DomainSettingName.ExternalEwsUrl, ews.DomainSettingName.ExternalEwsVersion);
    equal(response.ErrorCode, ews.AutodiscoverErrorCode.NoError, 'ErrorCode');
    equal(response.Settings.get(ews.DomainSettingName.ExternalEwsUrl).toLowerCase(), URL.toLowerCase(), 'ExternalEwsUrl');
    assert(/^15\./.test(response.Settings.get(ews.DomainSettingName.ExternalEwsVersion)), 'ExternalEwsVersion');
  });

  await s.step('wrong_password_refused', async () => {
    const mallory = autodiscover(USER1, PASSWORD1 + 'x');
    let refused = false;
    try {
      await mallory.GetUserSettings(USER1, [S.ExternalEwsUrl]);
    } catch (error) {
      refused = true;
    }
    assert(refused, 'a wrong password gets no settings');
  });

  s.finish();
}

main().catch((error) => {
  console.log(`FAIL script: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
