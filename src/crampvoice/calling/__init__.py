"""Phone calls: the call rules (`policy`, pure) and the call service (`service`, one
transaction per webhook). The voice adapter (`crampvoice_sms.voice_web`) parses what
Twilio posts into `messages.Heard` and writes the `policy.CallTurn` it gets as TwiML."""
