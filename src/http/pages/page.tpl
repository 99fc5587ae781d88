{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="{{LANG}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<link rel="stylesheet" href="/assets/obauth.css">
</head>
<body>
<main>
<header><p class="institution">{{INSTITUTION}}</p><h1>{{TITLE}}</h1></header>
{{#MESSAGE}}<p class="message" role="alert">{{TEXT}}</p>{{/MESSAGE}}
{{#INTRO}}<p>{{TEXT}}</p>{{/INTRO}}
{{#SIGN_IN}}
<form method="post" action="{{ACTION}}">
<input type="hidden" name="transaction" value="{{TRANSACTION}}">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="username">{{USERNAME_LABEL}}</label>
<input id="username" name="username" autocomplete="username" required value="{{USERNAME}}">
<label for="password">{{PASSWORD_LABEL}}</label>
<input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit">{{SUBMIT}}</button>
</form>
<p class="hint">{{HINT}}</p>
{{/SIGN_IN}}
{{#CONSENT}}
<h2>{{DATA_HEADING}}</h2>
<ul class="scopes">{{#SCOPE}}<li>{{TEXT}}</li>{{/SCOPE}}</ul>
<form method="post" action="/api/v1/authorize/consent">
<input type="hidden" name="transaction" value="{{TRANSACTION}}">
<input type="hidden" name="csrf" value="{{CSRF}}">
<fieldset>
<legend>{{ACCOUNTS_HEADING}}</legend>
{{#ACCOUNT}}<label class="account"><input type="checkbox" name="account" value="{{ID}}"{{#CHECKED}} checked{{/CHECKED}}> {{NAME}} <span class="number">{{NUMBER}}</span></label>
{{/ACCOUNT}}
</fieldset>
<div class="decision">
<button type="submit" name="decision" value="approve">{{APPROVE}}</button>
<button type="submit" name="decision" value="deny" class="secondary">{{DENY}}</button>
</div>
</form>
{{/CONSENT}}
{{#APPS}}
{{#NONE}}<p>{{TEXT}}</p>{{/NONE}}
{{#CONNECTION}}
<section class="connection">
<h2>{{CLIENT_NAME}}</h2>
<dl>
<dt>{{DATA_LABEL}}</dt><dd>{{SCOPES}}</dd>
<dt>{{ACCOUNTS_LABEL}}</dt><dd>{{ACCOUNTS}}</dd>
<dt>{{SINCE_LABEL}}</dt><dd>{{SINCE}}</dd>
<dt>{{LAST_USED_LABEL}}</dt><dd>{{LAST_USED}}</dd>
</dl>
<form method="post" action="{{ACTION}}">
<input type="hidden" name="transaction" value="{{TRANSACTION}}">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="connection" value="{{ID}}">
<button type="submit" name="revoke" value="{{ID}}">{{REVOKE}}</button>
</form>
</section>
{{/CONNECTION}}
{{/APPS}}
</main>
</body>
</html>
