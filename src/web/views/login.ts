import { type Html, html } from "../html.ts";

/** The one page shown without a session: a code box, prefilled when opened from a link. */
export function loginView(o: { code: string; next: string; error?: string }): Html {
  return html`<h1>Sign in</h1>
<p class="lede">${o.code ? "Your sign-in code is filled in. One click and you're in." : html`Enter the code from <code>agentops login-link</code>.`}</p>
${o.error ? html`<p class="error" role="alert" id="login-error">${o.error}</p>` : ""}
<form method="post" action="/web/login" class="login">
  <input type="hidden" name="next" value="${o.next}">
  <label for="code">Sign-in code</label>
  <input id="code" name="code" value="${o.code}" required autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" inputmode="text" maxlength="40"${o.error ? html` aria-describedby="login-error" aria-invalid="true"` : ""}${o.code ? "" : html` autofocus`}>
  <button type="submit" class="primary"${o.code ? html` autofocus` : ""}>Sign in</button>
</form>`;
}
