// The home page: what Horseshoe is, the six steps (in the lens being chosen), and the form
// that creates a room and opens it as its facilitator.

import { html, useEffect, useState } from '../../vendor/preact.js';
import { ApiError, createRoom, serverInfo } from '../api.js';
import { language, stepText, t } from '../i18n.js';
import { MAX_TITLE_CHARS, STEP_COUNT, STEP_MINUTES } from '../limits.js';
import { saveCreateKey, savedCreateKey } from '../saved.js';
import { Brand, Field, LanguagePicker, LanguageSelect, LensSelect, oneLine } from '../ui/kit.js';
import { show } from './pages.js';

/** @typedef {import('../api.js').NewRoom} NewRoom */

export function showHome() {
  show(html`<${Home} />`);
}

function Home() {
  const [values, setValues] = useState(/** @type {Omit<NewRoom, 'language'> & { language: NewRoom['language'] | null }} */ ({ title: '', organisation: '', lens: 'client', language: null }));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // A private server asks for its create key: the field shows once the server says so.
  const [keyAsked, setKeyAsked] = useState(false);
  const [createKey, setCreateKey] = useState(() => savedCreateKey() ?? '');
  useEffect(() => {
    serverInfo()
      .then((info) => setKeyAsked(Boolean(info.create_key)))
      .catch(() => {});
  }, []);
  const set = (/** @type {Partial<NewRoom>} */ part) => setValues({ ...values, ...part });
  const roomLanguage = values.language ?? language();
  const steps = Array.from({ length: STEP_COUNT }, (_, i) => i + 1);
  return html`<div class="page-home">
    <header class="topbar topbar-plain"><${Brand} /><span class="spacer"></span><${LanguagePicker} /></header>
    <main class="home">
      <section class="home-intro">
        <p class="eyebrow">${t('app.workshop')}</p>
        <h1>${t('home.tagline')}</h1>
        <p class="lead">${t('home.lead')}</p>
      </section>
      <section class="home-outline">
        <h2 class="section-title">${t('home.steps')}</h2>
        <ol class="home-steps" data-testid="home-steps">
          ${steps.map(
            (step) => html`<li class="home-step">
              <span class="step-num">${step}</span>
              <span class="home-step-title">${stepText(step, 'title', values.lens)}</span>
              <span class="muted">${t('room.duration', { n: STEP_MINUTES[step - 1] })}</span>
            </li>`,
          )}
        </ol>
      </section>
      <form
        class="card home-form"
        onSubmit=${async (/** @type {Event} */ ev) => {
          ev.preventDefault();
          setBusy(true);
          setError('');
          const key = keyAsked ? createKey.trim() : null;
          try {
            const room = await createRoom({ ...values, language: roomLanguage, title: oneLine(values.title), organisation: oneLine(values.organisation) }, key);
            if (key) saveCreateKey(key);
            location.assign(room.facilitator_url);
          } catch (err) {
            if (err instanceof ApiError && err.status === 401) {
              saveCreateKey(null);
              setError(t('home.create_key.wrong'));
            } else if (err instanceof ApiError && err.status === 429) {
              setError(t('home.too_many'));
            } else {
              setError(t('home.error', { message: err instanceof Error ? err.message : String(err) }));
            }
            setBusy(false);
          }
        }}
      >
        <h2 class="card-title">${t('home.create')}</h2>
        <${Field} label=${t('settings.title')}>
          <input name="title" required maxlength=${MAX_TITLE_CHARS} placeholder=${t('home.title.placeholder')} value=${values.title} onInput=${(/** @type {any} */ e) => set({ title: e.target.value })} />
        <//>
        <${Field} label=${t('settings.organisation')}>
          <input name="organisation" maxlength=${MAX_TITLE_CHARS} placeholder=${t('home.organisation.placeholder')} value=${values.organisation} onInput=${(/** @type {any} */ e) => set({ organisation: e.target.value })} />
        <//>
        <${Field} label=${t('settings.lens')} help=${t('home.lens.help')}><${LensSelect} name="lens" value=${values.lens} onChange=${(/** @type {any} */ v) => set({ lens: v })} /><//>
        <${Field} label=${t('settings.language')}><${LanguageSelect} name="language" value=${roomLanguage} onChange=${(/** @type {any} */ v) => set({ language: v })} /><//>
        ${keyAsked
          ? html`<${Field} label=${t('home.create_key')} help=${t('home.create_key.help')}>
              <input name="create_key" type="password" autocomplete="off" required value=${createKey} onInput=${(/** @type {any} */ e) => setCreateKey(e.target.value)} />
            <//>`
          : null}
        ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
        <button class="btn btn-primary btn-block" type="submit" disabled=${busy}>${busy ? t('home.submitting') : t('home.submit')}</button>
      </form>
    </main>
  </div>`;
}
