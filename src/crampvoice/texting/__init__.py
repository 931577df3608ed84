"""The SMS service's rules, in the core: what a text is (`messages`), what to answer and
do (`policy.decide`, pure), bedtime commands by text (`subscriptions`), and the service
that runs one text in one transaction over the storage port (`service`, `port`).

The SMS adapter (crampvoice_sms) only parses Twilio's forms into `messages` and renders
the answer as TwiML; no web framework and no twilio here.
"""
