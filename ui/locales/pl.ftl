# Hale po polsku. Fluent syntax, the subset `ui/src/i18n.rs` reads (see en.ftl).
# Written by the Hale team; a native speaker's review is welcome before a hospital uses it.

## The check-in kiosk
kiosk-welcome = Witamy
kiosk-language = Język
kiosk-title = Potwierdź przybycie na wizytę
kiosk-reference = Numer rezerwacji
kiosk-reference-hint = Wpisz go na klawiaturze lub przyłóż kod QR z potwierdzenia wizyty do czytnika.
kiosk-birth-date = Data urodzenia
kiosk-day = Dzień
kiosk-month = Miesiąc
kiosk-year = Rok
kiosk-keypad = Klawiatura
kiosk-key-delete = Usuń
kiosk-key-next = Dalej
kiosk-check-in = Potwierdź przybycie
kiosk-busy = Potwierdzanie przybycia…
kiosk-reference-missing = Wpisz numer rezerwacji.
kiosk-dob-numbers = Wpisz datę urodzenia cyframi: dzień, miesiąc i rok.
kiosk-dob-year = Wpisz pełny rok, na przykład 1984.
kiosk-dob-no-such-date = Taka data nie istnieje. Sprawdź dzień i miesiąc.
kiosk-checked-in = Przybycie potwierdzone.
kiosk-go-to = Prosimy przejść do: { $location } ({ $clinic }) i zająć miejsce.
kiosk-queue = Miejsce w kolejce: { $position }. Czas oczekiwania: około { $minutes } min.
kiosk-too-early = Na potwierdzenie przybycia na tę wizytę jest jeszcze za wcześnie.
kiosk-opens-at = Będzie to możliwe od { $time }. Prosimy wrócić później lub podejść do rejestracji.
kiosk-see-reception = Prosimy podejść do rejestracji.
kiosk-not-here = Nie udało się tutaj potwierdzić przybycia.
kiosk-not-matched = Nie znaleźliśmy tej wizyty.
kiosk-not-matched-detail = Sprawdź numer rezerwacji i datę urodzenia i spróbuj ponownie.
kiosk-check-reference = Ten numer rezerwacji wygląda na błędny.
kiosk-check-reference-detail = Sprawdź go i spróbuj ponownie.
kiosk-too-many = Prosimy podejść do rejestracji po pomoc.
kiosk-check-birth-date = Sprawdź datę urodzenia i spróbuj ponownie.
kiosk-unavailable = Potwierdzanie przybycia jest teraz niedostępne.
kiosk-try-again = Spróbuj ponownie
kiosk-done = Gotowe
kiosk-clears-in = Ekran wyczyści się za { $seconds } s.
kiosk-still-there = Czy nadal tu jesteś? Dotknij ekranu, aby kontynuować.

# Formularz przed wizytą, proponowany zaraz po rejestracji. Pytania są słowami szpitala.
kiosk-form-offer = Czekając, możesz tutaj odpowiedzieć na kilka pytań przed wizytą.
kiosk-form-start = Odpowiedz na pytania
kiosk-form-kept = Twoje odpowiedzi pozostają na tym ekranie tylko do ich wysłania lub odejścia.
kiosk-form-sent = Dziękujemy. Twoje odpowiedzi wysłano do poradni, a ten kiosk je zapomniał.
kiosk-form-closed = Na te pytania nie można teraz odpowiedzieć tutaj. Zapytaj w rejestracji.
kiosk-form-leave = Wyjdź bez wysyłania
