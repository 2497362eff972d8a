# Hale in Urdu, written right to left. Fluent syntax, the subset `ui/src/i18n.rs` reads (see
# en.ftl). Written by the Hale team; a native speaker's review is welcome before a hospital
# uses it.

## The check-in kiosk
kiosk-welcome = خوش آمدید
kiosk-language = زبان
kiosk-title = اپنی ملاقات کے لیے چیک اِن کریں
kiosk-reference = بکنگ ریفرنس
kiosk-reference-hint = اسے بٹنوں سے لکھیں، یا اپنی ملاقات کا QR کوڈ اسکینر کے سامنے رکھیں۔
kiosk-birth-date = تاریخ پیدائش
kiosk-day = دن
kiosk-month = مہینہ
kiosk-year = سال
kiosk-keypad = کی پیڈ
kiosk-key-delete = مٹائیں
kiosk-key-next = اگلا
kiosk-check-in = چیک اِن کریں
kiosk-busy = چیک اِن ہو رہا ہے…
kiosk-reference-missing = براہ کرم اپنا بکنگ ریفرنس لکھیں۔
kiosk-dob-numbers = براہ کرم اپنی تاریخ پیدائش ہندسوں میں لکھیں: دن، مہینہ اور سال۔
kiosk-dob-year = براہ کرم پورا سال لکھیں، مثلاً 1984۔
kiosk-dob-no-such-date = یہ تاریخ موجود نہیں۔ براہ کرم دن اور مہینہ دیکھ لیں۔
kiosk-checked-in = آپ کا چیک اِن ہو گیا ہے۔
kiosk-go-to = براہ کرم { $location } ({ $clinic }) جائیں اور تشریف رکھیں۔
kiosk-queue = قطار میں آپ کا نمبر: { $position }۔ انتظار تقریباً { $minutes } منٹ ہے۔
kiosk-too-early = اس ملاقات کے لیے چیک اِن کا وقت ابھی نہیں ہوا۔
kiosk-opens-at = چیک اِن { $time } سے ہو سکے گا۔ براہ کرم اس وقت واپس آئیں، یا استقبالیہ سے رابطہ کریں۔
kiosk-see-reception = براہ کرم استقبالیہ سے رابطہ کریں۔
kiosk-not-here = ہم یہاں آپ کا چیک اِن نہیں کر سکے۔
kiosk-not-matched = ہمیں آپ کی ملاقات نہیں ملی۔
kiosk-not-matched-detail = براہ کرم اپنا بکنگ ریفرنس اور تاریخ پیدائش دیکھ کر دوبارہ کوشش کریں۔
kiosk-check-reference = یہ بکنگ ریفرنس درست نہیں لگتا۔
kiosk-check-reference-detail = براہ کرم اسے دیکھ کر دوبارہ کوشش کریں۔
kiosk-too-many = چیک اِن میں مدد کے لیے براہ کرم استقبالیہ سے رابطہ کریں۔
kiosk-check-birth-date = براہ کرم اپنی تاریخ پیدائش دیکھ کر دوبارہ کوشش کریں۔
kiosk-unavailable = چیک اِن اس وقت دستیاب نہیں۔
kiosk-try-again = دوبارہ کوشش کریں
kiosk-done = ٹھیک ہے
kiosk-clears-in = یہ اسکرین { $seconds } سیکنڈ میں صاف ہو جائے گی۔
kiosk-still-there = کیا آپ ابھی یہاں ہیں؟ جاری رکھنے کے لیے اسکرین کو چھوئیں۔

# ملاقات سے پہلے کا فارم، چیک اِن کے فوراً بعد۔ سوالات ہسپتال کے اپنے الفاظ میں ہیں۔
kiosk-form-offer = انتظار کے دوران آپ یہاں اپنی ملاقات کے لیے چند سوالات کے جواب دے سکتے ہیں۔
kiosk-form-start = سوالات کے جواب دیں
kiosk-form-kept = آپ کے جوابات اس اسکرین پر صرف بھیجنے یا جانے تک رہتے ہیں۔
kiosk-form-sent = شکریہ۔ آپ کے جوابات کلینک کو بھیج دیے گئے، اور اس کیوسک نے انہیں بھلا دیا ہے۔
kiosk-form-closed = ان سوالات کے جواب ابھی یہاں نہیں دیے جا سکتے۔ براہ کرم استقبالیہ پر پوچھیں۔
kiosk-form-leave = بھیجے بغیر چھوڑ دیں
